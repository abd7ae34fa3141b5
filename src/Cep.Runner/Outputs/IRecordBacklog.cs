namespace Cep.Runner.Outputs;

/// <summary>
/// Records a producer has accepted for the outputs of a set but not yet composed into them
/// (<see cref="Engine.ResultBatch"/>). Every output of the set writes the backlog before anything else reads or
/// writes it, so its bytes, lengths and flushes are those of writing each record when it was accepted.
/// </summary>
internal interface IRecordBacklog
{
    /// <summary>Composes every accepted record into its output, in the order they were accepted.</summary>
    void WriteBacklog();
}
