using UsbPassd.Rpc;

namespace UsbPassd.Tests.Unit.Rpc;

/// <summary>When the RPC socket needs a chown(2): the packaged service's seccomp filter denies it (@privileged).</summary>
public sealed class SocketGroupTests
{
    private const UnixFileMode Plain = (UnixFileMode)0b111_101_101; // 0755, as RuntimeDirectory= makes it
    private const UnixFileMode SetGid = Plain | UnixFileMode.SetGroup;

    [Fact]
    public void A_socket_born_in_its_group_is_not_chowned()
    {
        Assert.False(RpcServer.NeedsChown(group: 995, effectiveGid: 995, Plain));
    }

    [Fact]
    public void A_socket_for_another_group_is_chowned()
    {
        Assert.True(RpcServer.NeedsChown(group: 996, effectiveGid: 0, Plain));
        Assert.True(RpcServer.NeedsChown(group: 0, effectiveGid: 995, Plain));
    }

    [Fact]
    public void In_a_set_group_id_folder_the_socket_takes_the_folders_group_so_it_is_chowned_even_to_the_process_gid()
    {
        Assert.True(RpcServer.NeedsChown(group: 995, effectiveGid: 995, SetGid));
    }
}
