using System.Runtime.ExceptionServices;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Lab;

/// <summary>
/// The undo steps of one test, run last first when it ends, whether it passed or not. Each step
/// runs even when an earlier one failed (one stuck device must not leave a daemon running for the
/// next test). A failed step is written to the test's output; it fails a test that passed (the lab
/// host is shared: a dirty one breaks later tests far from the cause), but never replaces the
/// failure of a test that did not: that one is what the reader needs to see.
/// </summary>
public sealed class Teardown(ITestOutputHelper output) : IAsyncDisposable
{
    private readonly Stack<(string What, Func<Task> Undo)> _steps = new();
    private readonly List<Func<Task>> _onFailure = [];
    private bool _testFailed;

    public ITestOutputHelper Output { get; } = output;

    /// <summary>Runs <paramref name="test"/>, then the steps it added; the test's own failure wins over a clean-up failure.</summary>
    public static Task RunAsync(ITestOutputHelper output, Func<Teardown, Task> test)
    {
        var teardown = new Teardown(output);
        return RunAsync(teardown, teardown, test);
    }

    /// <summary>The same, for a scenario whose <see cref="IAsyncDisposable.DisposeAsync"/> disposes <paramref name="teardown"/> (<see cref="LabScenario"/>).</summary>
    internal static async Task RunAsync<T>(T scenario, Teardown teardown, Func<T, Task> test)
        where T : IAsyncDisposable
    {
        await using (scenario)
        {
            try
            {
                await test(scenario);
            }
            catch (Exception e)
            {
                await teardown.TestFailedAsync(e);
                throw;
            }
        }
    }

    /// <summary>Adds a step to undo what the test is about to do (or just did); <paramref name="what"/> names it in reports.</summary>
    public void Add(string what, Func<Task> undo) => _steps.Push((what, undo));

    /// <inheritdoc cref="Add(string, Func{Task})"/>
    public void Add(string what, Action undo) => Add(what, () =>
    {
        undo();
        return Task.CompletedTask;
    });

    /// <summary>Creates a temporary folder on this machine, deleted at the end.</summary>
    public string TemporaryDirectory(string prefix)
    {
        string dir = Directory.CreateTempSubdirectory(prefix).FullName;
        Add($"delete {dir}", () => Directory.Delete(dir, recursive: true));
        return dir;
    }

    /// <summary>
    /// Marks the test failed: clean-up errors are then reported and not thrown. Diagnostics that
    /// only matter for a failure go through <see cref="OnFailure"/>.
    /// </summary>
    internal async Task TestFailedAsync(Exception e)
    {
        _testFailed = true;
        Write($"the test failed ({e.GetType().Name}); cleaning up what it set up");
        foreach (Func<Task> diagnose in _onFailure)
        {
            try
            {
                await diagnose();
            }
            catch (Exception d)
            {
                Write($"(could not collect diagnostics: {d.Message})");
            }
        }
    }

    /// <summary>Something to write to the output should the test fail (a daemon's log), before the clean-up.</summary>
    public void OnFailure(Func<Task> diagnose) => _onFailure.Add(diagnose);

    public async ValueTask DisposeAsync()
    {
        List<Exception> errors = [];
        while (_steps.TryPop(out (string What, Func<Task> Undo) step))
        {
            try
            {
                await step.Undo();
            }
            catch (Exception e)
            {
                errors.Add(new CleanupException($"clean-up step '{step.What}' failed: {e.Message}", e));
                Write($"clean-up step '{step.What}' failed: {e}");
            }
        }

        if (errors.Count == 0 || _testFailed)
        {
            return;
        }

        if (errors.Count == 1)
        {
            ExceptionDispatchInfo.Throw(errors[0]);
        }

        throw new AggregateException($"the test passed but {errors.Count} clean-up steps failed", errors);
    }

    // The output refuses lines once the test is over; stderr still reaches the runner.
    private void Write(string line)
    {
        try
        {
            Output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            Console.Error.WriteLine(line);
        }
    }
}

/// <summary>A clean-up step failed: the lab host may not be as the next test expects.</summary>
public sealed class CleanupException(string message, Exception inner) : Exception(message, inner);
