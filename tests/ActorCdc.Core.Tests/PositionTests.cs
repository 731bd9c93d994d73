using ActorCdc.Core.Positions;
using Xunit;

namespace ActorCdc.Core.Tests;

public class PositionTests
{
    [Theory]
    [InlineData("0/0", 0UL)]
    [InlineData("16/B374D848", 0x16B374D848UL)]
    [InlineData("FFFFFFFF/FFFFFFFF", ulong.MaxValue)]
    public void Lsn_parses_and_prints_as_postgres_does(string text, ulong value)
    {
        Assert.Equal(value, Lsn.Parse(text).Value);
        Assert.Equal(text, new Lsn(value).ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("16")]
    [InlineData("/1")]
    [InlineData("G/1")]
    public void Lsn_rejects_malformed_text(string text) => Assert.False(Lsn.TryParse(text, out _));

    [Fact]
    public void Positions_order_by_commit_lsn_then_index()
    {
        var a = new SourcePosition(new Lsn(10), 5);
        var b = new SourcePosition(new Lsn(10), 6);
        var c = new SourcePosition(new Lsn(11), 0);
        Assert.True(a < b && b < c);
        Assert.True(SourcePosition.Start < a);
        Assert.True(SourcePosition.EndOf(new Lsn(10)) > b && SourcePosition.EndOf(new Lsn(10)) < c);
    }
}
