namespace Cep.Runner.Outputs;

/// <summary>
/// The main output and the side outputs of a run. A side output without its own <c>--side-output</c> path goes
/// to the main output (its records carry <c>"output":NAME</c> either way). Outputs naming the same file share
/// one writer so records never interleave mid-line.
/// </summary>
internal sealed class OutputSet : IDisposable
{
    private readonly Dictionary<string, RecordOutput> _sides;
    private readonly List<RecordOutput> _all;

    public OutputSet(RecordOutput main, IReadOnlyDictionary<string, RecordOutput>? sides = null)
    {
        ArgumentNullException.ThrowIfNull(main);
        Main = main;
        _sides = sides is null ? [] : new Dictionary<string, RecordOutput>(sides, StringComparer.Ordinal);
        _all = [main];
        foreach (var side in _sides.Values)
        {
            if (!_all.Contains(side))
            {
                _all.Add(side);
            }
        }
    }

    public RecordOutput Main { get; }

    /// <summary>Every distinct writer, main first (for checkpoints: committed lengths per output).</summary>
    public IReadOnlyList<RecordOutput> All => _all;

    /// <summary>Names that have a <c>--side-output</c> of their own.</summary>
    public IEnumerable<string> SideNames => _sides.Keys;

    /// <summary>
    /// Opens the outputs of <c>cep run</c>: <paramref name="mainPath"/> (null = <paramref name="stdout"/>) and
    /// the <c>NAME=PATH</c> side outputs. Throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/>.
    /// Checkpointing passes <paramref name="openOtherMain"/> (a main output that is not a file, e.g. <c>sqlite:</c>;
    /// null when the path is a file) and <paramref name="committedLength"/> (files resumed are kept to that length).
    /// </summary>
    public static OutputSet Open(
        string? mainPath,
        IReadOnlyList<KeyValuePair<string, string>> sidePaths,
        Stream stdout,
        Func<string, RecordOutput?>? openOtherMain = null,
        Func<string, long?>? committedLength = null)
    {
        var byPath = new Dictionary<string, RecordOutput>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        var opened = new List<RecordOutput>();
        try
        {
            RecordOutput main;
            if (mainPath is null || mainPath == "-")
            {
                main = RecordOutput.ToStream("stdout", stdout);
            }
            else if (openOtherMain?.Invoke(mainPath) is { } other)
            {
                main = other;
            }
            else
            {
                main = RecordOutput.OpenFile(mainPath, committedLength?.Invoke(mainPath));
                byPath[Path.GetFullPath(mainPath)] = main;
            }
            opened.Add(main);
            var sides = new Dictionary<string, RecordOutput>(StringComparer.Ordinal);
            foreach (var (name, path) in sidePaths)
            {
                if (path == "-")
                {
                    sides[name] = main.Name == "stdout" ? main : RecordOutput.ToStream("stdout", stdout);
                    continue;
                }
                var full = Path.GetFullPath(path);
                if (!byPath.TryGetValue(full, out var output))
                {
                    output = RecordOutput.OpenFile(path, committedLength?.Invoke(path));
                    byPath[full] = output;
                    opened.Add(output);
                }
                sides[name] = output;
            }
            return new OutputSet(main, sides);
        }
        catch
        {
            foreach (var output in opened)
            {
                output.Dispose();
            }
            throw;
        }
    }

    /// <summary>Makes every output of the set write <paramref name="backlog"/> before it is used (see <see cref="IRecordBacklog"/>).</summary>
    public void AttachBacklog(IRecordBacklog backlog)
    {
        foreach (var output in _all)
        {
            output.AttachBacklog(backlog);
        }
    }

    /// <summary>Where records of side output <paramref name="name"/> go.</summary>
    public RecordOutput For(string name) => _sides.TryGetValue(name, out var output) ? output : Main;

    public void Flush()
    {
        foreach (var output in _all)
        {
            output.Flush();
        }
    }

    public void Dispose()
    {
        List<Exception>? errors = null;
        foreach (var output in _all)
        {
            try
            {
                output.Dispose();
            }
            catch (IOException e)
            {
                (errors ??= []).Add(e);
            }
        }
        if (errors is not null)
        {
            throw new AggregateException(errors);
        }
    }
}
