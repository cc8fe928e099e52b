using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using UsbPassd.Placement;

namespace UsbPassd.Daemon.Services;

/// <summary>
/// A live migration's USB allocation (docs/placement.md, "Live migration"), for the migration hook:
/// moved to the destination's device when the destination reserves it, the migration consumer's
/// removed when the migration completes, moved back when it fails. Each runs in the service's loop
/// (the sync is not thread-safe, and the destination's <c>reserved</c> must be lifted just before the
/// move). Placement down or slow never blocks a migration: the step is logged once, kept in memory
/// and retried at every pass until Placement takes it (the migration consumer is a pure function of
/// the instance, so a restart that loses the memory leaves at most a migration consumer's allocation,
/// which the next finish or revert of that instance clears, or an operator: docs/placement.md).
/// </summary>
public sealed partial class PlacementService
{
    // How long a finish or revert waits for its first attempt before its caller goes on.
    private static readonly TimeSpan HandOff = TimeSpan.FromSeconds(5);

    private readonly ConcurrentQueue<MigrationStep> _migrationRequests = new();
    private readonly Dictionary<Guid, MigrationStep> _migrations = []; // the loop's own: instance → the step not done yet

    private enum MigrationKind
    {
        Move,
        Finish,
        Revert,
    }

    private sealed class MigrationStep(Guid instance, MigrationKind kind, Guid destination = default, string? resourceClass = null)
    {
        public Guid Instance { get; } = instance;
        public MigrationKind Kind { get; } = kind;
        public Guid Destination { get; } = destination;
        public string? ResourceClass { get; } = resourceClass;
        public TaskCompletionSource<string?> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Said in the log as not done yet: its success is said too.</summary>
        public bool Deferred { get; set; }

        public string Word => Kind switch { MigrationKind.Move => "move", MigrationKind.Finish => "finish", _ => "revert" };
    }

    /// <summary>
    /// The destination reserved <paramref name="destinationDevId"/> for the incoming
    /// <paramref name="instanceUuid"/>: its allocation of the device's class moves from the source
    /// host's provider to this one's, the source's held by the migration consumer until the migration
    /// ends. Null: moved, nothing to move (no such allocation: not scheduled by Placement), or Placement
    /// off. A sentence: Placement refused the move (the destination allocated to someone else…), for the
    /// migration to be refused with. Placement unreachable or silent for <paramref name="wait"/>: null
    /// (the migration goes on), logged once, and the move is retried until Placement takes it.
    /// </summary>
    public async Task<string?> MoveForMigrationAsync(string instanceUuid, string destinationDevId, string vendorId, string productId, TimeSpan wait, CancellationToken ct)
    {
        if (options.Placement is not PlacementOptions settings || !Guid.TryParse(instanceUuid, out Guid instance))
        {
            return null;
        }

        var step = new MigrationStep(instance, MigrationKind.Move, PlacementNames.DeviceProvider(settings.RootName, destinationDevId), PlacementNames.ResourceClass(vendorId, productId));
        return await HandOverAsync(step, wait, ct).ConfigureAwait(false);
    }

    /// <summary>The migration completed: the migration consumer's allocation on the source is removed. Best effort; retried until done.</summary>
    public Task FinishMigrationAsync(string instanceUuid, CancellationToken ct) => HandOverAsync(instanceUuid, MigrationKind.Finish, ct);

    /// <summary>The migration failed or was cancelled: the allocation moves back to the source's device. Best effort; retried until done.</summary>
    public Task RevertMigrationAsync(string instanceUuid, CancellationToken ct) => HandOverAsync(instanceUuid, MigrationKind.Revert, ct);

    private Task HandOverAsync(string instanceUuid, MigrationKind kind, CancellationToken ct) =>
        options.Placement is null || !Guid.TryParse(instanceUuid, out Guid instance)
            ? Task.CompletedTask
            : HandOverAsync(new MigrationStep(instance, kind), HandOff, ct);

    // Into the loop; the answer of its first attempt, or null (deferred, said once) when Placement is down or slow.
    private async Task<string?> HandOverAsync(MigrationStep step, TimeSpan wait, CancellationToken ct)
    {
        _migrationRequests.Enqueue(step);
        _queue.Writer.TryWrite([]);
        if (Status.Connected)
        {
            try
            {
                return await step.Answer.Task.WaitAsync(wait, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // the loop has it: done late, or deferred by it
            }
        }

        Defer(step, Status.Connected ? $"no answer within {wait.TotalSeconds:0.0} s" : Status.Problem ?? "Placement is unreachable");
        return null;
    }

    // Every step asked for, then every step not done yet: in the loop, connected. Placement down ends
    // the pass (the caller's catch defers what is left); a refusal ends a move, and is retried for the others.
    private async Task MigrateAsync(PlacementSync sync, PlacementClient client, CancellationToken ct)
    {
        TakeMigrationRequests();
        foreach (MigrationStep step in _migrations.Values.ToArray())
        {
            string? refusal = null;
            try
            {
                await RunAsync(step, sync, client, ct).ConfigureAwait(false);
            }
            catch (PlacementException e) when (!e.NeedsOperator && e.Failure != PlacementFailure.Unreachable)
            {
                refusal = e.Message;
            }

            if (refusal is not null && step.Kind != MigrationKind.Move)
            {
                Defer(step, refusal);
                continue;
            }

            _migrations.Remove(step.Instance);
            if (!step.Answer.TrySetResult(refusal) && refusal is not null)
            {
                LogMoveRefused(step.Instance, refusal); // nobody waits for it any more: said here
            }
            else if (refusal is null && step.Deferred)
            {
                LogMigrationCaughtUp(step.Word, step.Instance);
            }
        }
    }

    private static async Task RunAsync(MigrationStep step, PlacementSync sync, PlacementClient client, CancellationToken ct)
    {
        switch (step.Kind)
        {
            case MigrationKind.Move:
                await sync.MoveInAsync(step.Instance, step.Destination, step.ResourceClass!, ct).ConfigureAwait(false);
                break;
            case MigrationKind.Finish:
                await client.FinishMoveAsync(step.Instance, ct).ConfigureAwait(false);
                break;
            default:
                await client.RevertMoveAsync(step.Instance, ct).ConfigureAwait(false);
                break;
        }
    }

    // Placement is down: every step asked for is kept, its waiting caller let go.
    private void DeferMigrations(string why)
    {
        TakeMigrationRequests();
        foreach (MigrationStep step in _migrations.Values)
        {
            Defer(step, why);
        }
    }

    // The latest step asked for an instance replaces one not done yet (a revert after a move that never happened is a no-op).
    private void TakeMigrationRequests()
    {
        while (_migrationRequests.TryDequeue(out MigrationStep? step))
        {
            if (_migrations.Remove(step.Instance, out MigrationStep? before))
            {
                before.Answer.TrySetResult(null);
            }

            _migrations[step.Instance] = step;
        }
    }

    private void Defer(MigrationStep step, string why)
    {
        step.Answer.TrySetResult(null);
        lock (step)
        {
            if (step.Deferred)
            {
                return;
            }

            step.Deferred = true;
        }

        LogMigrationDeferred(step.Word, step.Instance, why);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "placement: the USB allocation {What} of migrating instance {Instance} is not in Placement yet: {Why}; the migration goes on, retried until Placement takes it")]
    private partial void LogMigrationDeferred(string what, Guid instance, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "placement: the USB allocation {What} of migrating instance {Instance} is in Placement now")]
    private partial void LogMigrationCaughtUp(string what, Guid instance);

    [LoggerMessage(Level = LogLevel.Warning, Message = "placement: the USB allocation of instance {Instance} was not moved: {Why}")]
    private partial void LogMoveRefused(Guid instance, string why);
}
