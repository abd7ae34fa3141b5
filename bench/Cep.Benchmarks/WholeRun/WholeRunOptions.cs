namespace Cep.Benchmarks.WholeRun;

/// <summary>Options of <c>whole-run</c>; see <see cref="Usage"/>.</summary>
internal sealed class WholeRunOptions
{
    public const string Usage = """
        usage: whole-run [--smoke] [--only W1,W2,W3,W4,W5] [--reps N] [--big] [--seed N]
                         [--cep PATH/cep.dll] [--skip-e2e] [--report PATH]

          --smoke      seconds-long sizes; exits 1 if the W1 implementations disagree (CI runs this)
          --only       run only these workloads (default: all)
          --reps       timed repetitions per implementation, median reported (default 3, smoke 1)
          --big        add the 10M-key point to W2 (needs ~8 GiB and a few minutes)
          --cep        the runner to time end to end (default: $CEP_DLL, else src/Cep.Runner/bin/{Release,Debug})
          --skip-e2e   leave out the runner (implementation 2) instead of failing when it is missing
          --report     also write the markdown report to this file
        """;

    public bool Smoke { get; private set; }

    public HashSet<string> Workloads { get; } = new(StringComparer.OrdinalIgnoreCase) { "W1", "W2", "W3", "W4", "W5" };

    public int Reps { get; private set; } = 3;

    public bool Big { get; private set; }

    public int Seed { get; private set; } = 42;

    public string? Cep { get; private set; }

    public bool SkipEndToEnd { get; private set; }

    public string? ReportPath { get; private set; }

    public static WholeRunOptions Parse(IReadOnlyList<string> args)
    {
        var options = new WholeRunOptions();
        var repsGiven = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--smoke":
                    options.Smoke = true;
                    break;
                case "--big":
                    options.Big = true;
                    break;
                case "--skip-e2e":
                    options.SkipEndToEnd = true;
                    break;
                case "--only":
                    options.Workloads.Clear();
                    foreach (var w in Value(args, ref i).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (w.ToUpperInvariant() is not ("W1" or "W2" or "W3" or "W4" or "W5"))
                        {
                            throw new ArgumentException($"--only: unknown workload '{w}' (W1..W5)");
                        }
                        options.Workloads.Add(w);
                    }
                    break;
                case "--reps":
                    options.Reps = PositiveInt(args, ref i);
                    repsGiven = true;
                    break;
                case "--seed":
                    options.Seed = PositiveInt(args, ref i);
                    break;
                case "--cep":
                    options.Cep = Value(args, ref i);
                    break;
                case "--report":
                    options.ReportPath = Value(args, ref i);
                    break;
                default:
                    throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        if (options.Smoke && !repsGiven)
        {
            options.Reps = 1;
        }
        return options;
    }

    private static string Value(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count)
        {
            throw new ArgumentException($"{args[i]} needs a value");
        }
        return args[++i];
    }

    private static int PositiveInt(IReadOnlyList<string> args, ref int i)
    {
        var name = args[i];
        var text = Value(args, ref i);
        return int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name}: expected a positive integer, got '{text}'");
    }
}
