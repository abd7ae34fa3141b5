using System.Text;

namespace Cep.State.Tests;

public sealed class DurableOutputFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Open_FreshRun_EmptiesExistingFile()
    {
        var path = _dir.File("out.jsonl");
        File.WriteAllText(path, "old\n");
        using (var output = DurableOutputFile.Open(path, committedLength: null))
        {
            output.Write("new\n"u8);
            Assert.Equal(4, output.FlushToOs());
        }

        Assert.Equal("new\n", File.ReadAllText(path));
    }

    [Fact]
    public void Open_Restore_TruncatesToCommittedLengthAndAppends()
    {
        var path = _dir.File("out.jsonl");
        long committed;
        using (var output = DurableOutputFile.Open(path, committedLength: null))
        {
            output.Write("a\nb\n"u8);
            committed = output.FlushToOs();
            output.SyncToDisk();
            output.Write("written after the checkpoint\n"u8);
        }

        using (var output = DurableOutputFile.Open(path, committed))
        {
            Assert.Equal(committed, output.Length);
            output.Write("c\n"u8);
        }

        Assert.Equal("a\nb\nc\n", File.ReadAllText(path));
    }

    [Fact]
    public void Open_RestoreMissingFileWithZeroCommitted_CreatesIt()
    {
        var path = _dir.File("later.jsonl");
        using (var output = DurableOutputFile.Open(path, committedLength: 0))
        {
            output.Write("x\n"u8);
        }

        Assert.Equal("x\n", File.ReadAllText(path));
    }

    [Fact]
    public void Open_RestoreFileShorterThanCommitted_ThrowsMismatch()
    {
        var path = _dir.File("out.jsonl");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("ab"));
        var error = Assert.Throws<StateException>(() => DurableOutputFile.Open(path, committedLength: 10));
        Assert.Equal(StateErrorKind.Mismatch, error.Kind);
        Assert.Contains("outside Cep", error.Message);
        Assert.Equal("ab", File.ReadAllText(path));
    }

    [Fact]
    public async Task SyncToDisk_FromAnotherThreadWhileWriting_DoesNotDisturbWrites()
    {
        var path = _dir.File("out.jsonl");
        using (var output = DurableOutputFile.Open(path, committedLength: null))
        {
            var syncer = Task.Run(() =>
            {
                for (var i = 0; i < 20; i++)
                {
                    output.SyncToDisk();
                }
            });
            for (var i = 0; i < 10_000; i++)
            {
                output.Write("line\n"u8);
            }

            await syncer;
        }

        Assert.Equal(10_000, File.ReadAllLines(path).Length);
    }
}
