using ActorCdc.Core.Schema;
using ActorCdc.Source.Postgres.Snapshots;
using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.Source.Postgres.Tests.Snapshots;

/// <summary>The schema read from the catalog is the one the WAL decoder builds from pgoutput's Relation message.</summary>
public class ReadSchemaTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private const string Setup = """
        CREATE TYPE mood AS ENUM ('sad', 'ok');
        CREATE DOMAIN posint AS int CHECK (VALUE > 0);
        CREATE TABLE comp (n int, k text, v numeric(10, 3), PRIMARY KEY (k, n));
        CREATE TABLE full_nokey (a int, b text);
        ALTER TABLE full_nokey REPLICA IDENTITY FULL;
        CREATE TABLE full_pk (id int, note text, x int, PRIMARY KEY (id) INCLUDE (note));
        ALTER TABLE full_pk REPLICA IDENTITY FULL;
        CREATE TABLE pk_inc (id int, note text, PRIMARY KEY (id) INCLUDE (note));
        CREATE TABLE idx (a int NOT NULL, b text NOT NULL, c text);
        CREATE UNIQUE INDEX idx_ba ON idx (b, a) INCLUDE (c);
        ALTER TABLE idx REPLICA IDENTITY USING INDEX idx_ba;
        CREATE TABLE rich (id int PRIMARY KEY, gone int, m mood, ms mood[], a int[], d posint, ch char(5), vc varchar(7),
                           ts timestamptz(3), n numeric, g int GENERATED ALWAYS AS (id * 2) STORED, "Mixed Case" text, j jsonb[]);
        ALTER TABLE rich DROP COLUMN gone;
        CREATE SCHEMA "Odd Schema";
        CREATE TYPE "Odd Schema"."Odd Type" AS ENUM ('x');
        CREATE TABLE "Odd Schema"."Odd Table" (id int PRIMARY KEY, t "Odd Schema"."Odd Type", ts "Odd Schema"."Odd Type"[]);
        """;

    private static readonly string[] Tables = ["comp", "full_nokey", "full_pk", "pk_inc", "idx", "rich", "Odd Schema.Odd Table"];

    [Fact]
    public async Task Schemas_read_from_the_catalog_equal_the_schemas_decoded_from_the_wal()
    {
        await using var h = await SourceHarness.CreateAsync(pg.Server, Setup, Tables);
        await h.OpenAsync();
        await h.ExecuteAsync("""
            BEGIN;
            INSERT INTO comp VALUES (1, 'a', 1.5);
            INSERT INTO full_nokey VALUES (1, 'a');
            INSERT INTO full_pk VALUES (1, 'n', 2);
            INSERT INTO pk_inc VALUES (1, 'n');
            INSERT INTO idx VALUES (1, 'b', 'c');
            INSERT INTO rich (id, m, ms, a, d, ch, vc, ts, n, "Mixed Case", j) VALUES (1, 'ok', '{sad}', '{1}', 3, 'x', 'y', now(), 1, 'z', '{}');
            INSERT INTO "Odd Schema"."Odd Table" VALUES (1, 'x', '{x}');
            COMMIT;
            """);
        var decoded = (await h.NextTransactionAsync()).Batches.ToDictionary(b => b.Batch.Table, b => b.Batch.Schema);
        Assert.Equal(Tables.Length, decoded.Count);

        await using var splitter = new ChunkSplitter(h.Settings);
        foreach (var name in Tables)
        {
            var table = TableId.Parse(name);
            var wal = decoded[table];
            var read = await splitter.ReadSchemaAsync(table, h.Deadline);
            Assert.Equal(wal.Columns, read.Columns);
            Assert.Equal(wal.RelationId, read.RelationId);
            Assert.Equal(wal.ReplicaIdentity, read.ReplicaIdentity);
            Assert.Equal(wal.KeyIndexes, read.KeyIndexes);
            Assert.True(wal.SameShapeAs(read), $"{table}: WAL {wal} but catalog {read}");
        }

        // The cases that make this interesting, so that the equality above is not trivially about plain columns.
        var rich = decoded[new TableId("public", "rich")];
        Assert.DoesNotContain(rich.Columns, c => c.Name is "gone" or "g");
        Assert.Equal('e', rich.Columns.Single(c => c.Name == "m").TypeKind);
        Assert.Equal('e', rich.Columns.Single(c => c.Name == "ms").ElementTypeKind);
        Assert.Equal('d', rich.Columns.Single(c => c.Name == "d").TypeKind);
        Assert.Equal("timestamp(3) with time zone", rich.Columns.Single(c => c.Name == "ts").TypeName);
        Assert.Equal(["k", "n"], decoded[new TableId("public", "comp")].Columns.Where(c => c.IsKey).Select(c => c.Name).Order());
        Assert.Empty(decoded[new TableId("public", "full_nokey")].KeyIndexes);
        Assert.Equal(ReplicaIdentity.Full, decoded[new TableId("public", "full_nokey")].ReplicaIdentity);
        Assert.Equal(["id"], decoded[new TableId("public", "full_pk")].Columns.Where(c => c.IsKey).Select(c => c.Name));
        Assert.Equal(["id"], decoded[new TableId("public", "pk_inc")].Columns.Where(c => c.IsKey).Select(c => c.Name));
        Assert.Equal(["a", "b"], decoded[new TableId("public", "idx")].Columns.Where(c => c.IsKey).Select(c => c.Name));
        Assert.Equal(ReplicaIdentity.Index, decoded[new TableId("public", "idx")].ReplicaIdentity);
        Assert.Equal("\"Odd Schema\".\"Odd Type\"[]", decoded[new TableId("Odd Schema", "Odd Table")].Columns[2].TypeName);
    }
}
