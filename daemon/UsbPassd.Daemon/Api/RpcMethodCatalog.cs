using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;

namespace UsbPassd.Daemon.Api;

/// <summary>
/// The RPC areas of this program, each enlisted by its own file. Module initializers (not reflection
/// over the assembly) because NativeAOT trims types nothing references: enlisting is the reference.
/// </summary>
public static class RpcMethodCatalog
{
    private static readonly List<Type> Enlisted = [];
    private static readonly List<Action<IServiceCollection>> Registrations = [];

    /// <summary>The areas' types, in no particular order (methods are keyed by name).</summary>
    public static IReadOnlyList<Type> Areas => Enlisted;

    public static void Enlist<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>()
        where T : class, IRpcMethods
    {
        Enlisted.Add(typeof(T));
        Registrations.Add(services => services.AddSingleton<IRpcMethods, T>());
    }

    /// <summary>Registers every area as an <see cref="IRpcMethods"/>; the RPC service receives them all.</summary>
    public static void AddTo(IServiceCollection services)
    {
        foreach (Action<IServiceCollection> register in Registrations)
        {
            register(services);
        }
    }
}
