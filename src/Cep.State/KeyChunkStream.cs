using System.Buffers;
using System.Collections.Concurrent;

namespace Cep.State;

/// <summary>
/// A rule's key records serialized while the checkpoint commits (<see cref="CheckpointBatch.StreamKeys"/>): the
/// writer runs on a thread of its own once the commit reaches the rule, and each chunk it fills is stored while it
/// fills the next. Serializing and storing overlap, and a checkpoint of any size holds a few 1-MiB buffers, rented
/// and returned, instead of all its bytes at once (a million keys were 120 large arrays, and the full collection
/// their allocation set off paused the process for ~200 ms).
/// </summary>
internal sealed class KeyChunkStream : IDisposable
{
    // Chunks filled but not yet stored: enough to keep both threads busy, few enough to stay in the pool.
    private const int InFlight = 3;

    private readonly Action<KeyChunkWriter> _write;
    private readonly BlockingCollection<(byte[] Buffer, int Length, int Records)> _queue = new(InFlight);
    private readonly CancellationTokenSource _abandoned = new();
    private Task? _writer;
    private KeyChunkWriter? _keys;

    public KeyChunkStream(Action<KeyChunkWriter> write) => _write = write;

    public int PutKeys => _keys?.PutKeys ?? 0;

    public int DeletedKeys => _keys?.DeletedKeys ?? 0;

    public long Bytes => _keys?.Bytes ?? 0;

    /// <summary>Starts the writer and yields its chunks as they fill; a buffer goes back to the pool when the
    /// next chunk is asked for (the caller has stored it). Rethrows the writer's failure after its last chunk.</summary>
    public IEnumerable<(byte[] Buffer, int Length, int Records)> Chunks()
    {
        _keys = new KeyChunkWriter(Hand);
        var keys = _keys;
        // A thread of its own, not a pool thread: the committing thread blocks on the queue, and a busy pool (socket
        // inputs) would otherwise delay the writer it waits for.
        _writer = Task.Factory.StartNew(() =>
        {
            try
            {
                _write(keys);
                keys.Builder.Flush();
            }
            finally
            {
                _queue.CompleteAdding();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        foreach (var chunk in _queue.GetConsumingEnumerable())
        {
            try
            {
                yield return chunk;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk.Buffer);
            }
        }

        // The writer's failure, as thrown (it ended its chunks early).
        _writer.GetAwaiter().GetResult();
    }

    /// <summary>
    /// After a failed commit: stops a writer waiting to hand over a chunk, waits for it to end and returns the
    /// buffers it left. The writer's own failure, if any, is not the one to report.
    /// </summary>
    public void Abandon()
    {
        if (_writer is null)
        {
            return;
        }

        _abandoned.Cancel();
        try
        {
            _writer.Wait();
        }
        catch (AggregateException)
        {
            // It stopped because the commit failed; that failure is what the caller reports.
        }

        while (_queue.TryTake(out var chunk))
        {
            ArrayPool<byte>.Shared.Return(chunk.Buffer);
        }
    }

    public void Dispose()
    {
        _queue.Dispose();
        _abandoned.Dispose();
    }

    private void Hand((byte[] Buffer, int Length, int Records) chunk)
    {
        try
        {
            _queue.Add(chunk, _abandoned.Token);
        }
        catch (OperationCanceledException)
        {
            ArrayPool<byte>.Shared.Return(chunk.Buffer);
            throw;
        }
    }
}
