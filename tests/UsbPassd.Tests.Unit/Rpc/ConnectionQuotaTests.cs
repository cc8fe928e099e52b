using UsbPassd.Rpc;

namespace UsbPassd.Tests.Unit.Rpc;

public sealed class ConnectionQuotaTests
{
    private static readonly RpcLimits Limits = new() { MaxConnections = 5, MaxConnectionsPerUid = 3, MaxPrivilegedConnections = 2 };

    [Fact]
    public void One_uid_gets_its_quota_and_is_told_why_not_more()
    {
        var quota = new ConnectionQuota(Limits);
        for (int i = 0; i < 3; i++)
        {
            Assert.Null(quota.TryEnter(1000, privileged: false));
        }

        Assert.Equal("uid 1000 already has 3 connections (at most 3): close one and try again", quota.TryEnter(1000, privileged: false));
        Assert.Null(quota.TryEnter(1001, privileged: false));
    }

    [Fact]
    public void Unprivileged_callers_share_a_pool_root_never_competes_for()
    {
        var quota = new ConnectionQuota(Limits);
        foreach (uint uid in new uint[] { 1000, 1000, 1000, 1001, 1001 })
        {
            Assert.Null(quota.TryEnter(uid, privileged: false));
        }

        Assert.Contains("more than 5 connections of unprivileged users", quota.TryEnter(1002, privileged: false), StringComparison.Ordinal);
        Assert.Null(quota.TryEnter(0, privileged: true));
        Assert.Null(quota.TryEnter(0, privileged: true));
        Assert.Contains("root and the admin group", quota.TryEnter(0, privileged: true), StringComparison.Ordinal);
    }

    [Fact]
    public void Leaving_gives_the_place_back()
    {
        var quota = new ConnectionQuota(Limits);
        for (int i = 0; i < 3; i++)
        {
            Assert.Null(quota.TryEnter(1000, privileged: false));
        }

        quota.Leave(1000, privileged: false);
        Assert.Null(quota.TryEnter(1000, privileged: false));
    }
}
