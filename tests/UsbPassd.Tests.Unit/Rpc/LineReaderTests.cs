using System.Net.Sockets;
using System.Text;
using UsbPassd.Rpc;
using static UsbPassd.Rpc.LineReader;

namespace UsbPassd.Tests.Unit.Rpc;

/// <summary>Framing on a real socket: raw bytes from a client, the lines <see cref="LineReader"/> makes of them.</summary>
public sealed class LineReaderTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);
    private readonly SocketPair _pair = new();
    private readonly NetworkStream _stream;

    public LineReaderTests() => _stream = new NetworkStream(_pair.Daemon);

    public void Dispose()
    {
        _stream.Dispose();
        _pair.Dispose();
    }

    private LineReader Reader(int maxLine = 64) => new(_stream, maxLine);

    // The status and a copy of the line (the reader reuses its buffer on the next call).
    private static async Task<(LineStatus Status, byte[] Line)> NextAsync(LineReader reader)
    {
        var (status, line) = await reader.ReadAsync(CancellationToken.None).AsTask().WaitAsync(Guard);
        return (status, line.ToArray());
    }

    private static async Task<string> LineAsync(LineReader reader)
    {
        var (status, line) = await NextAsync(reader);
        Assert.Equal(LineStatus.Line, status);
        return Encoding.UTF8.GetString(line);
    }

    private static async Task AssertStatusAsync(LineStatus expected, LineReader reader) => Assert.Equal(expected, (await NextAsync(reader)).Status);

    [Theory]
    [InlineData("{\"a\":1}\n{\"b\":2}\n", new[] { "{\"a\":1}", "{\"b\":2}" })]
    [InlineData("crlf\r\nlf\n", new[] { "crlf", "lf" })]
    [InlineData("a\rb\n", new[] { "a\rb" })] // a lone CR is kept
    [InlineData("\n\r\n{}\n", new[] { "", "", "{}" })] // empty lines are lines of nothing
    public async Task Lf_or_crlf_ends_each_line_of_a_write_then_comes_the_end(string sent, string[] lines)
    {
        LineReader reader = Reader();
        await _pair.SendAsync(sent);
        _pair.EndInput();

        foreach (string line in lines)
        {
            Assert.Equal(line, await LineAsync(reader));
        }

        await AssertStatusAsync(LineStatus.End, reader);
    }

    [Fact]
    public async Task A_line_written_a_byte_at_a_time_comes_whole()
    {
        LineReader reader = Reader();
        Task<string> line = LineAsync(reader);
        foreach (byte b in "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"host.info\"}\n"u8.ToArray())
        {
            await _pair.SendAsync([b]);
        }

        Assert.Equal("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"host.info\"}", await line);
    }

    [Fact]
    public async Task The_start_of_a_line_waits_behind_a_whole_one_for_its_end()
    {
        LineReader reader = Reader();
        await _pair.SendAsync("first\nsec");

        Assert.Equal("first", await LineAsync(reader));
        Task<string> second = LineAsync(reader);
        await _pair.SendAsync("ond\n");
        Assert.Equal("second", await second);
    }

    [Fact]
    public async Task A_line_of_the_limit_passes_a_byte_more_is_too_long_and_the_next_line_is_read()
    {
        LineReader reader = Reader(maxLine: 16);
        await _pair.SendAsync($"{new string('a', 16)}\n{new string('b', 17)}\nok\n{new string('c', 16)}\r\nok\n");

        Assert.Equal(new string('a', 16), await LineAsync(reader));
        await AssertStatusAsync(LineStatus.TooLong, reader);
        Assert.Equal("ok", await LineAsync(reader));
        await AssertStatusAsync(LineStatus.TooLong, reader); // the limit counts every byte before the LF, a CR too
        Assert.Equal("ok", await LineAsync(reader));
    }

    [Fact]
    public async Task A_line_larger_than_the_first_buffer_grows_it_up_to_the_limit()
    {
        const int limit = 100_000; // the buffer starts at 16 KiB
        LineReader reader = Reader(limit);
        string big = string.Concat(Enumerable.Range(0, limit / 10).Select(i => $"{i,9}|"));
        Task sent = _pair.SendAsync($"{big}\n{big}+\nafter\n");

        Assert.Equal(big, await LineAsync(reader));
        await AssertStatusAsync(LineStatus.TooLong, reader);
        Assert.Equal("after", await LineAsync(reader));
        await sent.WaitAsync(Guard);
    }

    [Fact]
    public async Task A_megabyte_over_a_small_limit_is_one_too_long_report()
    {
        LineReader reader = Reader(maxLine: 1024);
        Task sent = _pair.SendAsync([.. Enumerable.Repeat((byte)'x', 1024 * 1024), .. "\n{}\n"u8]);

        await AssertStatusAsync(LineStatus.TooLong, reader);
        Assert.Equal("{}", await LineAsync(reader));
        await sent.WaitAsync(Guard);
    }

    [Fact]
    public async Task Bytes_that_are_not_utf8_are_passed_on_as_they_came()
    {
        LineReader reader = Reader();
        await _pair.SendAsync([(byte)'{', 0xC3, 0x28, 0xFF, 0xFE, (byte)'}', (byte)'\n']);

        var (status, line) = await NextAsync(reader);
        Assert.Equal(LineStatus.Line, status);
        Assert.Equal([(byte)'{', 0xC3, 0x28, 0xFF, 0xFE, (byte)'}'], line);
    }

    [Fact]
    public async Task The_end_of_input_in_the_middle_of_a_line_drops_it_and_stays_the_end()
    {
        LineReader reader = Reader(maxLine: 16);
        await _pair.SendAsync("{}\n{\"jsonrpc\":");
        _pair.EndInput();

        Assert.Equal("{}", await LineAsync(reader));
        await AssertStatusAsync(LineStatus.End, reader);
        await AssertStatusAsync(LineStatus.End, reader);
    }

    [Fact]
    public async Task The_end_of_input_in_a_too_long_line_is_the_end()
    {
        LineReader reader = Reader(maxLine: 16);
        await _pair.SendAsync(new string('x', 40));
        _pair.EndInput();

        await AssertStatusAsync(LineStatus.End, reader);
    }

    [Fact]
    public async Task No_input_at_all_is_the_end()
    {
        LineReader reader = Reader();
        _pair.EndInput();

        await AssertStatusAsync(LineStatus.End, reader);
    }
}
