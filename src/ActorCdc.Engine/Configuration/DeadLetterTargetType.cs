namespace ActorCdc.Engine.Configuration;

/// <summary>Where rows rejected under <c>on-data-error = dead-letter</c> go.</summary>
public enum DeadLetterTargetType
{
    /// <summary>JSON lines, one file per pipeline and table, fsynced before the position counts as applied.</summary>
    File,
    /// <summary>A PostgreSQL table, written in its own transaction before the position counts as applied.</summary>
    Postgres,
}
