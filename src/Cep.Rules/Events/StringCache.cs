using System.Text;

namespace Cep.Rules.Events;

/// <summary>
/// Hands out one string per distinct short ASCII value read at a path, so a field whose values repeat (an event
/// type, a status, a country) costs no string per event. Direct-mapped and lossy: a miss decodes a new string
/// and replaces the entry, so unique values (ids) cost one array store. A path whose values hardly ever repeat
/// stops consulting the cache after a trial. Safe to share between threads: entries are whole references, and
/// the counters only steer the heuristic.
/// </summary>
internal sealed class StringCache
{
    /// <summary>Values longer than this are decoded directly (long text rarely repeats exactly).</summary>
    public const int MaxLength = 32;

    private const int Size = 256;
    private const int TrialLookups = 4096;

    private readonly string?[] _entries = new string?[Size];
    private int _lookups;
    private int _hits;
    private bool _disabled;

    /// <summary>The string for <paramref name="ascii"/>, whose bytes must all be ASCII.</summary>
    public string Get(ReadOnlySpan<byte> ascii)
    {
        if (_disabled || ascii.Length > MaxLength || ascii.IsEmpty)
        {
            return ascii.IsEmpty ? string.Empty : Encoding.ASCII.GetString(ascii);
        }
        var index = Index(ascii);
        var entry = _entries[index];
        if (entry is not null && Ascii.Equals(ascii, entry))
        {
            Count(hit: true);
            return entry;
        }
        var text = Encoding.ASCII.GetString(ascii);
        _entries[index] = text;
        Count(hit: false);
        return text;
    }

    private void Count(bool hit)
    {
        if (_lookups >= TrialLookups)
        {
            return;
        }
        _lookups++;
        if (hit)
        {
            _hits++;
        }
        if (_lookups == TrialLookups && _hits < TrialLookups / 4)
        {
            _disabled = true;
        }
    }

    private static int Index(ReadOnlySpan<byte> ascii)
    {
        // Length and three sample bytes tell typical enumerations apart; a collision only costs a miss.
        var hash = (uint)ascii.Length * 0x9E3779B1u;
        hash ^= ascii[0] * 0x85EBCA77u;
        hash ^= ascii[^1] * 0xC2B2AE3Du;
        hash ^= ascii[ascii.Length >> 1] * 0x27D4EB2Fu;
        return (int)((hash ^ (hash >> 15)) & (Size - 1));
    }
}
