namespace ActorCdc.Core.Schema;

/// <summary>A table's REPLICA IDENTITY setting, as pgoutput's Relation message reports it.</summary>
public enum ReplicaIdentity : byte
{
    Default = (byte)'d',
    Nothing = (byte)'n',
    Full = (byte)'f',
    Index = (byte)'i',
}
