// Every Dapper call in this assembly is rewritten at build time by Dapper.AOT's interceptors: the daemon
// runs NativeAOT, where Dapper's own Reflection.Emit mappers cannot run. A query shape Dapper.AOT cannot
// intercept is a build warning (DAP...), and warnings are errors, so none reaches run time unnoticed.
[module: Dapper.DapperAot]
