using Xunit.Abstractions;
using Xunit.Sdk;

namespace UsbPassd.Tests.Lab;

/// <summary>
/// The clean-up every lab scenario relies on, without a lab host (milliseconds): last first, every
/// step even after a failed one, and the test's own failure never replaced by a clean-up failure.
/// </summary>
public sealed class TeardownTests
{
    private sealed class Lines : ITestOutputHelper
    {
        public List<string> Written { get; } = [];

        public void WriteLine(string message) => Written.Add(message);

        public void WriteLine(string format, params object[] args) => Written.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
    }

    [Fact]
    public async Task Steps_run_last_first_after_a_passing_test()
    {
        List<string> ran = [];
        await Teardown.RunAsync(new Lines(), t =>
        {
            t.Add("daemon", () => ran.Add("stop daemon"));
            t.Add("device", () => ran.Add("unplug device"));
            t.Add("domain", () => ran.Add("undefine domain"));
            return Task.CompletedTask;
        });

        Assert.Equal(["undefine domain", "unplug device", "stop daemon"], ran);
    }

    [Fact]
    public async Task A_failed_test_keeps_its_own_failure_and_every_step_still_runs()
    {
        List<string> ran = [];
        var output = new Lines();
        XunitException thrown = await Assert.ThrowsAsync<EqualException>(() => Teardown.RunAsync(output, t =>
        {
            t.Add("daemon", () => ran.Add("stop daemon"));
            t.Add("device", () => throw new InvalidOperationException("device_del refused"));
            t.Add("domain", () => ran.Add("undefine domain"));
            Assert.Equal(1, 2);
            return Task.CompletedTask;
        }));

        Assert.Contains("Assert.Equal() Failure", thrown.Message);
        Assert.Equal(["undefine domain", "stop daemon"], ran);
        Assert.Contains(output.Written, l => l.Contains("clean-up step 'device' failed", StringComparison.Ordinal) && l.Contains("device_del refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_passing_test_whose_clean_up_failed_fails()
    {
        List<string> ran = [];
        CleanupException thrown = await Assert.ThrowsAsync<CleanupException>(() => Teardown.RunAsync(new Lines(), t =>
        {
            t.Add("daemon", () => ran.Add("stop daemon"));
            t.Add("device", () => throw new InvalidOperationException("device_del refused"));
            return Task.CompletedTask;
        }));

        Assert.Contains("clean-up step 'device' failed: device_del refused", thrown.Message);
        Assert.Equal(["stop daemon"], ran);
    }

    [Fact]
    public async Task Two_failed_steps_of_a_passing_test_are_both_reported()
    {
        AggregateException thrown = await Assert.ThrowsAsync<AggregateException>(() => Teardown.RunAsync(new Lines(), t =>
        {
            t.Add("daemon", () => throw new InvalidOperationException("pkill failed"));
            t.Add("device", () => throw new InvalidOperationException("device_del refused"));
            return Task.CompletedTask;
        }));

        Assert.Equal(2, thrown.InnerExceptions.Count);
    }

    [Fact]
    public async Task Failure_diagnostics_are_written_only_when_the_test_failed()
    {
        var passed = new Lines();
        await Teardown.RunAsync(passed, t =>
        {
            t.OnFailure(() => Task.Run(() => passed.WriteLine("the daemon's log")));
            return Task.CompletedTask;
        });
        var failed = new Lines();
        await Assert.ThrowsAsync<TrueException>(() => Teardown.RunAsync(failed, t =>
        {
            t.OnFailure(() => Task.Run(() => failed.WriteLine("the daemon's log")));
            Assert.True(false);
            return Task.CompletedTask;
        }));

        Assert.DoesNotContain("the daemon's log", passed.Written);
        Assert.Contains("the daemon's log", failed.Written);
    }
}
