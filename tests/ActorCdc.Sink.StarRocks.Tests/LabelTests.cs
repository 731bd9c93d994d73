using ActorCdc.Core.Positions;
using ActorCdc.Sink.StarRocks.Labels;
using Xunit;

namespace ActorCdc.Sink.StarRocks.Tests;

/// <summary>Labels are a pure function of pipeline, table and positions, and always valid StarRocks labels.</summary>
public class LabelTests
{
    private static readonly SourcePosition First = new(new Lsn(0x16B374D848), 0);
    private static readonly SourcePosition Last = new(new Lsn(0x16B374D9A0), 12);

    [Fact]
    public void The_same_pipeline_table_and_positions_always_give_the_same_label()
    {
        var a = LoadLabel.ForRange("p", LoadLabel.TableHash("shop", "public.orders", "analytics", "orders"), First, Last);
        var b = LoadLabel.ForRange("p", LoadLabel.TableHash("shop", "public.orders", "analytics", "orders"), First, Last);
        Assert.Equal(a, b);
        Assert.Equal("p-" + LoadLabel.TableHash("shop", "public.orders", "analytics", "orders") + "-16b374d848_0-16b374d9a0_c", a);
    }

    [Fact]
    public void Pipeline_table_positions_and_partial_column_sets_each_change_the_label()
    {
        var hash = LoadLabel.TableHash("shop", "public.orders", "analytics", "orders");
        var labels = new[]
        {
            LoadLabel.ForRange("p", hash, First, Last),
            LoadLabel.ForRange("p", LoadLabel.TableHash("other", "public.orders", "analytics", "orders"), First, Last),
            LoadLabel.ForRange("p", LoadLabel.TableHash("shop", "public.items", "analytics", "orders"), First, Last),
            LoadLabel.ForRange("p", LoadLabel.TableHash("shop", "public.orders", "analytics", "orders2"), First, Last),
            LoadLabel.ForRange("p", hash, First, new SourcePosition(Last.CommitLsn, 13)),
            LoadLabel.ForRange("p", hash, First, Last, "p1a2b3c4d"),
            LoadLabel.ForTransaction("p", hash, 0),
            LoadLabel.ForTruncate("p", hash, First),
        };
        Assert.Equal(labels.Length, labels.Distinct().Count());
    }

    [Fact]
    public void Labels_are_valid_for_the_longest_prefix_the_widest_positions_and_any_table_name()
    {
        var prefix = new string('x', StarRocksSinkSettings.MaxLabelPrefixLength);
        var hash = LoadLabel.TableHash("pipeline with spaces/ünïcode", "weird.\"table\" name;--", "db-1", "表");
        var max = new SourcePosition(new Lsn(ulong.MaxValue), long.MaxValue);
        var min = new SourcePosition(Lsn.Zero, -1);
        foreach (var label in new[]
                 {
                     LoadLabel.ForRange(prefix, hash, max, max, "pffffffff"), LoadLabel.ForRange(prefix, hash, min, max),
                     LoadLabel.ForTransaction(prefix, hash, long.MaxValue), LoadLabel.ForTruncate(prefix, hash, max),
                 })
        {
            Assert.True(LoadLabel.IsValid(label), label);
            Assert.InRange(label.Length, 1, 128);
        }
    }
}
