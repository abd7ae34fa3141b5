using System.Text;
using Cep.Rules;
using Cep.Rules.Events;
using Cep.Runner.Engine;
using Cep.Runner.Outputs;

namespace Cep.Runner.Tests.Engine;

/// <summary>
/// The runner's key: an integer text is held as a number, anything else as text, and two keys are equal exactly
/// when their canonical JSON texts are. A rule's key is read from its field slot when the probe finds one.
/// </summary>
public sealed class RunKeyTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("42")]
    [InlineData("-7")]
    [InlineData("9007199254740992")]
    [InlineData("-9007199254740992")]
    public void FromCanonical_IntegerText_IsANumberEqualToFromInteger(string text)
    {
        var key = RunKey.FromCanonical(text);

        Assert.True(key.IsNumber);
        Assert.Equal(RunKey.FromInteger(long.Parse(text, System.Globalization.CultureInfo.InvariantCulture)), key);
        Assert.Equal(text, key.ToString());
        Assert.Equal(key, RunKey.FromCanonicalUtf8(Encoding.UTF8.GetBytes(text)));
        Assert.True(RunKey.FromCanonicalUtf8(Encoding.UTF8.GetBytes(text)).IsNumber);
    }

    [Theory]
    [InlineData("\"42\"")]
    [InlineData("007")]
    [InlineData("-0")]
    [InlineData("+1")]
    [InlineData("1.5")]
    [InlineData("1E+16")]
    [InlineData("9007199254740993")]
    [InlineData("null")]
    [InlineData("[\"a\",1]")]
    [InlineData("\"Zoë\"")]
    [InlineData("")]
    public void FromCanonical_OtherText_IsTextThatRoundTrips(string text)
    {
        var key = RunKey.FromCanonical(text);

        Assert.False(key.IsNumber);
        Assert.Equal(text, key.ToString());
        Assert.Equal(key, RunKey.FromCanonical(new string(text.AsSpan())));
        Assert.Equal(key.GetHashCode(), RunKey.FromCanonical(new string(text.AsSpan())).GetHashCode());
        var utf8 = RunKey.FromCanonicalUtf8(Encoding.UTF8.GetBytes(text));
        Assert.False(utf8.IsNumber);
        Assert.Equal(key, utf8);
    }

    [Fact]
    public void Equals_NumberAndQuotedText_Differ()
    {
        Assert.NotEqual(RunKey.FromInteger(42), RunKey.FromCanonical("\"42\""));
        Assert.NotEqual(RunKey.FromInteger(0), RunKey.FromCanonical("null"));
        Assert.NotEqual(RunKey.FromInteger(1), RunKey.FromInteger(2));
    }

    [Fact]
    public void FromInteger_BeyondTwoToThe53_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RunKey.FromInteger(RunKey.MaxExactInteger + 1));

    [Theory]
    [InlineData("42")]
    [InlineData("\"ü1\"")]
    [InlineData("[\"a\",{\"b\":1}]")]
    public void WriteTo_WritesTheCanonicalText(string text)
    {
        var buffer = new PendingBuffer(4);
        var key = RunKey.FromCanonical(text);
        key.WriteTo(buffer);
        var bytes = new byte[key.MaxUtf8Length];

        Assert.Equal(text, Encoding.UTF8.GetString(buffer.WrittenSpan));
        Assert.Equal(text, Encoding.UTF8.GetString(bytes, 0, key.WriteUtf8(bytes)));
    }

    [Fact]
    public void KeySlotOf_SingleField_IsThatFieldsSlot()
    {
        var fields = new FieldTable();
        fields.Slot("type");
        var rule = Rule("key: order.id", fields);

        Assert.Equal(fields.FindDispatch("order.id"), RuleRuntime.KeySlotOf(rule, "s", fields.DispatchCount));
    }

    [Fact]
    public void KeySlotOf_PerStreamMap_IsEachStreamsSlotAndNoneForOthers()
    {
        var fields = new FieldTable();
        var rule = Rule("key:\n  app: orderId\n  bank: order.ref", fields);

        Assert.Equal(fields.FindDispatch("orderId"), RuleRuntime.KeySlotOf(rule, "app", fields.DispatchCount));
        Assert.Equal(fields.FindDispatch("order.ref"), RuleRuntime.KeySlotOf(rule, "bank", fields.DispatchCount));
        Assert.Equal(-1, RuleRuntime.KeySlotOf(rule, "other", fields.DispatchCount));
    }

    [Theory]
    [InlineData("")]
    [InlineData("key: [region, id]")]
    [InlineData("key: [id]")]
    [InlineData("key: $stream")]
    [InlineData("key: [$stream, id]")]
    public void KeySlotOf_AnyOtherKey_IsNone(string settings)
    {
        var fields = new FieldTable();
        fields.Slot("id");
        var rule = Rule(settings, fields);

        Assert.Equal(-1, RuleRuntime.KeySlotOf(rule, "s", fields.DispatchCount));
    }

    [Fact]
    public void Run_SameValueAsNumberFractionAndString_KeysAsItsCanonicalText()
    {
        using var dir = new TempDir();
        var rule = dir.File("pairs.yaml", """
            rule: pairs
            key: id
            pattern:
              - begin: a
                where: type == 'a'
              - next: b
                where: type == 'b'
            """);
        // 1 and 1.0 are the same key (canonical 1); "1" is another; 2.5 and 1e3 (= 1000) go through text and numbers;
        // 0 and -0 are one key (0, also the default value of the key struct).
        var input = dir.File("s.jsonl", """
            {"id":1,"type":"a","n":1}
            {"id":"1","type":"a","n":2}
            {"id":1.0,"type":"b","n":3}
            {"id":"1","type":"b","n":4}
            {"id":2.5,"type":"a","n":5}
            {"id":2.5,"type":"b","n":6}
            {"id":1e3,"type":"a","n":7}
            {"id":1000,"type":"b","n":8}
            {"id":9007199254740993,"type":"a","n":9}
            {"id":9007199254740993,"type":"b","n":10}
            {"type":"a","n":11}
            {"id":null,"type":"b","n":12}
            {"id":0,"type":"a","n":13}
            {"id":-0,"type":"b","n":14}
            """);

        var result = CepCli.Run("run", rule, "--input", input);

        Assert.Equal(0, result.Exit);
        string[] keys = ["1", "\"1\"", "2.5", "1000", "9007199254740992", "null", "0"];
        Assert.Equal(keys, result.Lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("key").GetRawText()));
        Assert.Contains("""{"rule":"pairs","type":"match","key":1,""", result.Lines[0], StringComparison.Ordinal);
    }

    private static CompiledRule Rule(string settings, FieldTable fields)
    {
        var set = RuleLoader.LoadText($"rule: r\n{settings}\npattern:\n  - begin: a\n    where: type == 'a'\n", "test.yaml", fields);
        Assert.True(set.Errors.Count == 0, string.Join(Environment.NewLine, set.Errors));
        return Assert.Single(set.Rules);
    }
}
