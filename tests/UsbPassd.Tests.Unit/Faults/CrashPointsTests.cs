using System.Reflection;
using UsbPassd.Faults;

namespace UsbPassd.Tests.Unit.Faults;

public sealed class CrashPointsTests
{
    // The harness enumerates All: a constant left out of it would be a point no run ever hits.
    [Fact]
    public void The_catalogue_lists_every_point_constant_once()
    {
        string[] constants = [.. typeof(CrashPoints).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).Order(StringComparer.Ordinal)];
        Assert.Equal(constants, CrashPoints.All.Order(StringComparer.Ordinal));
        Assert.Equal(CrashPoints.All.Count, CrashPoints.All.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Point_names_are_dotted_lower_case_words_without_the_hit_separator()
    {
        Assert.All(CrashPoints.All, p => Assert.Matches("^[a-z]+(\\.[a-z]+)+$", p));
    }

    [Fact]
    public void A_test_process_is_not_armed_so_a_point_returns()
    {
        Assert.Null(Environment.GetEnvironmentVariable(CrashPoint.Variable));
        Assert.Null(CrashPoint.ArmedPoint);
        CrashPoint.Here(CrashPoints.AttachClaimBefore); // would kill the test host if armed
    }
}
