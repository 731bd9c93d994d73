using ActorCdc.Core.Changes;
using ActorCdc.Core.Schema;
using Xunit;

namespace ActorCdc.Core.Tests.Serialization;

/// <summary>Field-by-field equality for the change model's classes, which do not override Equals.</summary>
internal static class ChangeAssert
{
    public static void Equal(TableSchema expected, TableSchema actual)
    {
        Assert.Equal(expected.Table, actual.Table);
        Assert.Equal(expected.RelationId, actual.RelationId);
        Assert.Equal(expected.ReplicaIdentity, actual.ReplicaIdentity);
        Assert.Equal(expected.Columns, actual.Columns);
        Assert.Equal(expected.KeyIndexes, actual.KeyIndexes);
    }

    public static void Equal(RowChange expected, RowChange actual)
    {
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.Position, actual.Position);
        Values(expected.New, actual.New);
        Values(expected.Old, actual.Old);
    }

    public static void Equal(ChangeBatch expected, ChangeBatch actual)
    {
        Equal(expected.Schema, actual.Schema);
        Assert.Equal(expected.ApproximateBytes, actual.ApproximateBytes);
        Assert.Equal(expected.Changes.Count, actual.Changes.Count);
        for (var i = 0; i < expected.Changes.Count; i++) Equal(expected.Changes[i], actual.Changes[i]);
    }

    private static void Values(ColumnValue[]? expected, ColumnValue[]? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }
        Assert.NotNull(actual);
        Assert.Equal(expected, actual);
    }
}
