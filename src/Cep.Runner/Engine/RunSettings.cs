using Cep.Runner.Inputs;

namespace Cep.Runner.Engine;

/// <summary>Everything <c>cep run</c> was told, validated by the command.</summary>
internal sealed record RunSettings
{
    public const int DefaultMaxLineBytes = 1024 * 1024;

    /// <summary>
    /// Capacity of the channel between live-input readers and the processing loop, in messages: a message carries
    /// a batch of lines (up to <see cref="InputMessage.BatchBytes"/>), so this bounds what waits at about 4 MiB.
    /// </summary>
    public const int LiveChannelCapacity = 64;

    public required IReadOnlyList<string> RulePaths { get; init; }

    public required IReadOnlyList<InputSpec> Inputs { get; init; }

    public string? OutputPath { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> SideOutputs { get; init; } = [];

    public string? DeadLetterPath { get; init; }

    public bool Stats { get; init; }

    public int MaxLineBytes { get; init; } = DefaultMaxLineBytes;

    public SocketLimits Sockets { get; init; } = new();

    /// <summary>Live progress on a terminal (never when standard error is redirected).</summary>
    public bool Progress { get; init; } = true;

    /// <summary>The <c>--state</c> options, or null without <c>--state</c>.</summary>
    public Checkpointing.StateSettings? State { get; init; }
}
