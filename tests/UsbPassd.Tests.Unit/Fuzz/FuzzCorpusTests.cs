using UsbPassd.Fuzz;
using UsbPassd.Testing;

namespace UsbPassd.Tests.Unit.Fuzz;

/// <summary>
/// The smoke of <c>make fuzz</c> inside <c>make test</c>: every committed seed, minimised corpus file and
/// regression input (tests/fuzz/TARGET/{seeds,corpus,regressions}) goes through the very entry point
/// afl-fuzz drives, and must not throw (a refusal the parser documents is caught inside the target).
/// </summary>
public class FuzzCorpusTests
{
    private static readonly string Root = Path.Combine(Corpus.RepositoryRoot, "tests", "fuzz");

    private static readonly string[] Kinds = ["seeds", "corpus", "regressions"];

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (string target in FuzzTargets.All.Keys.Order(StringComparer.Ordinal))
        {
            foreach (string kind in Kinds)
            {
                string dir = Path.Combine(Root, target, kind);
                foreach (string file in Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal) : Enumerable.Empty<string>())
                {
                    data.Add(target, Path.GetRelativePath(Root, file));
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void A_committed_input_goes_through_its_target_without_an_unexpected_exception(string target, string file) =>
        FuzzTargets.All[target](File.ReadAllBytes(Path.Combine(Root, file)));

    [Fact]
    public void Every_target_has_seeds_and_a_dictionary_and_run_sh_fuzzes_it()
    {
        string line = File.ReadAllLines(Path.Combine(Root, "run.sh")).Single(l => l.StartsWith("all=(", StringComparison.Ordinal));
        string[] fuzzed = line["all=(".Length..line.IndexOf(')', StringComparison.Ordinal)].Split(' ');
        Assert.Equal(FuzzTargets.All.Keys.Order(StringComparer.Ordinal), fuzzed.Order(StringComparer.Ordinal));
        foreach (string target in FuzzTargets.All.Keys)
        {
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(Root, target, "seeds")));
            Assert.True(File.Exists(Path.Combine(Root, target + ".dict")), $"{target}.dict");
        }
    }
}
