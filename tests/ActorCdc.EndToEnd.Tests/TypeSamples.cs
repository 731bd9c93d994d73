namespace ActorCdc.EndToEnd.Tests;

/// <summary>A table with every type the foundation promises to carry exactly, and rows of edge values.</summary>
public static class TypeSamples
{
    public const string Schema = """
        CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy ''quoted''');
        CREATE TABLE types (
          id int PRIMARY KEY,
          t_int2 int2, t_int4 int4, t_int8 int8,
          t_num numeric, t_num_c numeric(12,3),
          t_text text, t_varchar varchar(20), t_char char(5), t_bool bool,
          t_f4 float4, t_f8 float8,
          t_date date, t_time time, t_timetz timetz, t_ts timestamp, t_tstz timestamptz(6), t_interval interval,
          t_uuid uuid, t_json json, t_jsonb jsonb, t_bytea bytea, t_mood mood,
          a_int4 int4[], a_text text[], a_num numeric[], a_f8 float8[], a_tstz timestamptz[], a_bool bool[], a_uuid uuid[],
          a_date date[], a_jsonb jsonb[], a_bytea bytea[], a_mood mood[], a_interval interval[]
        );
        """;

    public const string Rows = """
        INSERT INTO types VALUES
        (1, 32767, 2147483647, 9223372036854775807, 'NaN', 123456789.123,
         E'tab\there\nnewline \\ backslash "quote" ''single''', 'varchar', 'ab', true,
         'NaN', 'Infinity', 'infinity', '24:00:00', '23:59:59.999999+14', 'infinity', '-infinity', '178000000 years',
         'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2.50, "x"], "a": 2}', '{"b": {"c": null}, "a": 1.0}', E'\\x00ff0a5c', 'happy ''quoted''',
         '{1,NULL,-3}', '{"a,b","c\"d",NULL,"NULL",""}', '{NaN,1.5,-0.000001}', '{Infinity,-Infinity,1e-300}', '{"2000-01-01 00:00:00+00"}', '{t,f,NULL}',
         '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', '{infinity,2000-02-29}', '{"{\"k\": 1}"}', '{"\\\\x0102"}', '{sad,ok}', '{"1 day -00:00:01"}'),
        (2, -32768, -2147483648, -9223372036854775808, '-0.00000000000000000000000000000000000001', -999999999.999,
         'unicode: ž 日本 🚀', '', '', false,
         '-Infinity', '-1.7976931348623157e308', '4713-01-01 BC', '00:00:00', '00:00:00-15:59', '0001-01-01 00:00:00 BC', '294276-12-31 23:59:59.999999+00', '-1 mon +2 days -03:04:05.000006',
         '00000000-0000-0000-0000-000000000000', '[]', '[]', E'\\x', 'sad',
         '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}'),
        (3, 0, 0, 0, '123456789012345678901234567890.123456789012345678901234567890', 0,
         NULL, NULL, NULL, NULL, 0.1, 0.1, '2024-02-29', '12:34:56.789', '12:00:00+05:30', '2024-02-29 12:34:56.123456', '2024-02-29 12:34:56.123456+05:30', '0',
         NULL, 'null', 'null', NULL, NULL,
         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (4, 1, 1, 1, '1e-20', 0.001, 'x', 'y', 'z', true, 3.4028235e38, 5e-324, '1970-01-01', '01:02:03', '01:02:03+00', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00', '1 year 2 mons 3 days 04:05:06.789',
         gen_random_uuid(), '"string"', '"string"', '\xdeadbeef', 'ok',
         '{2147483647}', '{"with space"}', '{12345678901234567890.5}', '{0.1}', '{"infinity"}', '{true}', '{NULL}', '{"4713-01-01 BC"}', '{null}', '{NULL}', '{NULL}', '{NULL}');
        """;
}
