using UsbPassd.Daemon.Hosting;
using UsbPassd.Placement;

namespace UsbPassd.Tests.Unit.Placement;

/// <summary>The "placement" section: read from usbpassd.json, refused at start when it would send a token in clear or is incomplete.</summary>
public sealed class PlacementOptionsTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8778", "admin", null, null)]
    [InlineData("http://localhost:8778/placement", "admin", null, null)]
    [InlineData("http://[::1]:8778", "admin", null, null)]
    [InlineData("https://placement.example.org", "admin", null, null)]
    [InlineData(null, null, "devstack", null)]
    [InlineData("http://placement.example.org:8778", "admin", null, "is not https and not this host")]
    [InlineData("ftp://127.0.0.1/", "admin", null, "must be an http(s) URL")]
    [InlineData("http://127.0.0.1:8778", null, null, "needs placement.token")]
    [InlineData("http://127.0.0.1:8778", "admin", "devstack", "not both or neither")]
    [InlineData(null, null, null, "not both or neither")]
    public void Problems(string? endpoint, string? token, string? cloud, string? problem)
    {
        string? found = new PlacementOptions { Endpoint = endpoint, Token = token, Cloud = cloud }.Problem();

        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(null, 5, null)]
    [InlineData(1, 1, null)]
    [InlineData(3600, 3600, null)]
    [InlineData(0, 0, "poll_seconds must be between 1 and 3600")]
    [InlineData(86400, 86400, "poll_seconds must be between 1 and 3600")]
    public void The_allocation_poll_is_every_5_s_unless_set_within_an_hour(int? set, int seconds, string? problem)
    {
        var options = new PlacementOptions { Endpoint = "https://p", Token = "t", PollSeconds = set };
        Assert.Equal(TimeSpan.FromSeconds(seconds), options.Poll);
        if (problem is null)
        {
            Assert.Null(options.Problem());
        }
        else
        {
            Assert.Contains(problem, options.Problem(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Operator_traits_that_cannot_be_traits_are_refused_the_others_normalised()
    {
        Assert.Contains("' '", new PlacementOptions { Endpoint = "https://p", Token = "t", DeviceTraits = new() { ["a"] = [" "] } }.Problem(), StringComparison.Ordinal);
        Assert.Equal(["CUSTOM_LICENCE_KEY"], new PlacementOptions { DeviceTraits = new() { ["a"] = ["licence key", "LICENCE_KEY"] } }.OperatorTraits()["a"]);
    }

    [Fact]
    public void The_section_is_read_from_the_config_file_and_the_token_never_printed()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{ "placement": { "endpoint": "http://127.0.0.1:8778", "token": "s3cret", "root_provider_name": "compute-1", "device_traits": { "0781:5567:ABC": ["licence"] } } }""");

            DaemonOptions options = DaemonOptions.Load(file, mustExist: true);

            Assert.Equal("compute-1", options.Placement!.RootName);
            Assert.Equal("s3cret", options.Placement.Token);
            Assert.Null(options.Problem());
            Assert.DoesNotContain("s3cret", options.ToString(), StringComparison.Ordinal);
            Assert.Equal(Environment.MachineName, new PlacementOptions().RootName);
            Assert.Null(DaemonOptions.Load("/nonexistent/usbpassd.json", mustExist: false).Placement); // off unless configured
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_misspelt_key_in_the_section_is_refused()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{ "placement": { "endpont": "http://127.0.0.1:8778" } }""");

            Assert.Contains("endpont", Assert.Throws<InvalidOperationException>(() => DaemonOptions.Load(file, mustExist: true)).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Access_records_never_print_their_secret()
    {
        Assert.DoesNotContain("tok", new PlacementAccess(new Uri("http://127.0.0.1"), "tok").ToString(), StringComparison.Ordinal);
    }
}
