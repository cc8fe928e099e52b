using UsbPassd.Registry;

namespace UsbPassd.Tests.Unit.Registry;

/// <summary>The ledger stores each claim state as the word it always has; the words read back as the same state.</summary>
public sealed class ClaimStatesTests
{
    [Theory]
    [InlineData(ClaimState.Reserved, "reserved")]
    [InlineData(ClaimState.Attaching, "attaching")]
    [InlineData(ClaimState.Attached, "attached")]
    [InlineData(ClaimState.Detaching, "detaching")]
    [InlineData(ClaimState.External, "external")]
    public void Each_state_is_stored_as_its_word_and_read_back(ClaimState state, string word)
    {
        Assert.Equal(word, state.Name());
        Assert.Equal(state, ClaimStates.Parse(word));
    }

    [Fact]
    public void Every_state_has_a_word()
    {
        Assert.All(Enum.GetValues<ClaimState>(), s => Assert.Equal(s, ClaimStates.Parse(s.Name())));
    }

    [Fact]
    public void A_word_no_version_writes_is_refused_with_the_column_named()
    {
        Assert.Contains("assignments.state 'missing'", Assert.Throws<RegistryException>(() => ClaimStates.Parse("missing")).Message);
    }
}
