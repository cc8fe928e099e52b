using System.Text.Json;
using System.Text.Json.Nodes;
using UsbPassd.Placement;
using UsbPassd.Placement.Wire;

namespace UsbPassd.Tests.Unit.Placement;

/// <summary>A live migration's move, as the one POST /allocations body built from the two consumers read.</summary>
public sealed class AllocationMoveTests
{
    private const string Usb = "CUSTOM_USB_46F4_0001";
    private static readonly Guid Instance = new("8c8e2f0a-0d3c-4f2e-9d53-0c3b3e6f1a01");
    private static readonly Guid Source = new("1f4e6a2b-7c3d-4e5f-8a9b-0c1d2e3f4a02");
    private static readonly Guid Destination = new("2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c03");
    private static readonly Guid Compute = new("3b4c5d6e-7f8a-4b9c-8d0e-2f3a4b5c6d04");
    private static readonly Guid Migration = PlacementNames.MigrationConsumer(Instance);

    private static ConsumerResourcesDoc R(string resourceClass, int amount) => new() { Resources = new() { [resourceClass] = amount } };

    private static FleetConsumerDoc Held(long generation, params (Guid Provider, ConsumerResourcesDoc R)[] allocations) => new()
    {
        Allocations = allocations.ToDictionary(a => a.Provider, a => a.R),
        ConsumerGeneration = generation,
        ProjectId = "p1",
        UserId = "u1",
        ConsumerType = "INSTANCE",
    };

    private static JsonNode Json(Dictionary<Guid, FleetAllocationsDoc> body) =>
        JsonNode.Parse(JsonSerializer.Serialize(body, FleetJson.Default.DictionaryGuidFleetAllocationsDoc))!;

    [Fact]
    public void The_migration_consumer_is_a_pure_function_of_the_instance()
    {
        Assert.Equal(Migration, PlacementNames.MigrationConsumer(new Guid(Instance.ToString().ToUpperInvariant())));
        Assert.NotEqual(Instance, Migration);
        Assert.NotEqual(Migration, PlacementNames.MigrationConsumer(Source));
    }

    [Fact]
    public void Nothing_to_move_when_the_instance_holds_the_class_nowhere_else()
    {
        Assert.Null(AllocationMove.Find(Instance, new FleetConsumerDoc(), Destination, Usb));
        Assert.Null(AllocationMove.Find(Instance, Held(3, (Compute, R("VCPU", 2))), Destination, Usb));
        Assert.Null(AllocationMove.Find(Instance, Held(3, (Destination, R(Usb, 1))), Destination, Usb)); // moved already
    }

    [Fact]
    public void The_move_gives_the_instance_the_destination_keeps_its_other_resources_and_gives_the_source_to_the_migration_consumer()
    {
        FleetConsumerDoc instance = Held(7, (Compute, R("VCPU", 2)), (Source, R(Usb, 1)));
        AllocationMove move = AllocationMove.Find(Instance, instance, Destination, Usb)!;
        Assert.Equal(new AllocationMove(Instance, Migration, Source, Destination, Usb, 1), move);

        JsonNode body = Json(move.Forward(instance, new FleetConsumerDoc()));
        JsonNode mine = body[Instance.ToString()]!;
        Assert.Equal(7, mine["consumer_generation"]!.GetValue<long>());
        Assert.Equal("INSTANCE", mine["consumer_type"]!.GetValue<string>());
        Assert.Equal(("p1", "u1"), (mine["project_id"]!.GetValue<string>(), mine["user_id"]!.GetValue<string>()));
        Assert.Equal(2, mine["allocations"]![Compute.ToString()]!["resources"]!["VCPU"]!.GetValue<int>());
        Assert.Equal(1, mine["allocations"]![Destination.ToString()]!["resources"]![Usb]!.GetValue<int>());
        Assert.Null(mine["allocations"]![Source.ToString()]);

        JsonNode theirs = body[Migration.ToString()]!;
        Assert.True(theirs.AsObject().ContainsKey("consumer_generation"), "a new consumer's generation is written as null: Placement requires the key");
        Assert.Null(theirs["consumer_generation"]);
        Assert.Equal("MIGRATION", theirs["consumer_type"]!.GetValue<string>());
        Assert.Equal("p1", theirs["project_id"]!.GetValue<string>());
        Assert.Equal(1, theirs["allocations"]![Source.ToString()]!["resources"]![Usb]!.GetValue<int>());
        Assert.Single(theirs["allocations"]!.AsObject());
    }

    [Fact]
    public void A_second_device_of_the_model_moved_in_the_same_migration_never_takes_the_first_ones_new_place()
    {
        Guid second = new("4c5d6e7f-8a9b-4c0d-9e1f-3a4b5c6d7e05"), otherSource = new("7fffffff-0000-4000-8000-000000000001");
        FleetConsumerDoc instance = Held(9, (Destination, R(Usb, 1)), (otherSource, R(Usb, 1)));
        Assert.Equal(otherSource, AllocationMove.Find(Instance, instance, second, Usb, [Destination, second])!.Source);
        Assert.Null(AllocationMove.Find(Instance, Held(9, (Destination, R(Usb, 1))), second, Usb, [Destination, second]));
    }

    [Fact]
    public void Back_returns_what_the_migration_consumer_holds_and_empties_it()
    {
        FleetConsumerDoc instance = Held(8, (Compute, R("VCPU", 2)), (Destination, R(Usb, 1)));
        FleetConsumerDoc migration = Held(1, (Source, R(Usb, 1))) with { ConsumerType = "MIGRATION" };
        JsonNode body = Json(AllocationMove.Back(Instance, instance, migration)!);

        JsonNode mine = body[Instance.ToString()]!;
        Assert.Equal(8, mine["consumer_generation"]!.GetValue<long>());
        Assert.Equal(1, mine["allocations"]![Source.ToString()]!["resources"]![Usb]!.GetValue<int>());
        Assert.Equal(2, mine["allocations"]![Compute.ToString()]!["resources"]!["VCPU"]!.GetValue<int>());
        Assert.Null(mine["allocations"]![Destination.ToString()]);

        JsonNode theirs = body[Migration.ToString()]!;
        Assert.Equal(1, theirs["consumer_generation"]!.GetValue<long>());
        Assert.Empty(theirs["allocations"]!.AsObject());

        Assert.Null(AllocationMove.Back(Instance, instance, new FleetConsumerDoc())); // nothing to undo
    }
}
