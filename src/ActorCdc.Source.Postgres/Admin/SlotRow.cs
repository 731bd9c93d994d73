namespace ActorCdc.Source.Postgres.Admin;

/// <summary>A slot's state plus what setup checks: its plugin, type and database, and the database we are connected to.</summary>
internal sealed record SlotRow(SlotState State, string? Plugin, string? SlotType, string? Database, string CurrentDatabase);
