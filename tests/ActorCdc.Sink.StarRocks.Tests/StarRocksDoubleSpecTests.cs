using System.Net;
using System.Text;
using System.Text.Json;
using ActorCdc.Sink.StarRocks.Tests.Support;
using ActorCdc.StarRocksDouble;
using MySqlConnector;
using Xunit;

namespace ActorCdc.Sink.StarRocks.Tests;

/// <summary>The test double against reference/starrocks.md §7 (and the §1/§2 behaviour it cites), checked with plain clients.</summary>
public class StarRocksDoubleSpecTests
{
    private const string Orders = "CREATE TABLE analytics.orders (`id` BIGINT NOT NULL, `name` VARCHAR(10) NOT NULL, `note` STRING NULL, `amount` DECIMAL(12, 2) NULL) " +
                                  "PRIMARY KEY (`id`) DISTRIBUTED BY HASH (`id`)";

    [Fact]
    public async Task FE_refuses_a_stream_load_without_credentials_with_401_and_a_basic_realm()
    {
        await using var sr = await SrDouble.StartAsync();
        await using var raw = await RawHttp.ConnectAsync(sr.FeHttpPort);
        await raw.SendAsync("PUT /api/analytics/orders/_stream_load HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
        var (status, headers) = await raw.ReadHeadAsync();
        Assert.Equal(401, status);
        Assert.Equal("Basic realm=\"\"", headers["WWW-Authenticate"]);
    }

    [Fact]
    public async Task FE_answers_an_HTTP11_stream_load_without_expect_continue_with_FAILED_and_closes()
    {
        await using var sr = await SrDouble.StartAsync();
        await using var raw = await RawHttp.ConnectAsync(sr.FeHttpPort);
        await raw.SendAsync($"PUT /api/analytics/orders/_stream_load HTTP/1.1\r\nHost: x\r\nAuthorization: {RawHttp.Basic(sr.User, sr.Password)}\r\nContent-Length: 2\r\n\r\n");
        var (status, headers) = await raw.ReadHeadAsync();
        var body = JsonDocument.Parse(await raw.ReadBodyAsync(headers)).RootElement;
        Assert.Equal(200, status);
        Assert.Equal("FAILED", body.GetProperty("Status").GetString());
        Assert.Equal("class com.starrocks.common.DdlException: There is no 100-continue header", body.GetProperty("Message").GetString());
        Assert.Equal("close", headers["Connection"]);
    }

    [Fact]
    public async Task FE_redirects_a_stream_load_to_the_BE_with_307_without_reading_the_body_and_closes()
    {
        await using var sr = await SrDouble.StartAsync();
        await using var raw = await RawHttp.ConnectAsync(sr.FeHttpPort);
        await raw.SendAsync($"PUT /api/analytics/orders/_stream_load?x=1 HTTP/1.1\r\nHost: x\r\nAuthorization: {RawHttp.Basic(sr.User, sr.Password)}\r\n" +
                            "Expect: 100-continue\r\nContent-Length: 1000\r\n\r\n");
        var (status, headers) = await raw.ReadHeadAsync();
        Assert.Equal(307, status);
        Assert.Equal($"http://127.0.0.1:{sr.BeHttpPort}/api/analytics/orders/_stream_load?x=1", headers["Location"]);
        Assert.Equal("0", headers["Content-Length"]);
        Assert.Equal("close", headers["Connection"]);
        Assert.True(await raw.ClosedByServerAsync(), "the FE keeps the connection open after a 307");
        Assert.False(sr.Requests.Single().ContinueSent);
    }

    [Fact]
    public async Task BE_sends_100_continue_reads_a_chunked_body_and_answers_the_fields_of_section_1_6_in_order()
    {
        await using var sr = await SrDouble.StartAsync();
        sr.Execute(Orders);
        await using var raw = await RawHttp.ConnectAsync(sr.BeHttpPort);
        await raw.SendAsync($"PUT /api/analytics/orders/_stream_load HTTP/1.1\r\nHost: x\r\nAuthorization: {RawHttp.Basic(sr.User, sr.Password)}\r\n" +
                            "Expect: 100-continue\r\nTransfer-Encoding: chunked\r\nlabel: chunked_1\r\nformat: json\r\nstrip_outer_array: true\r\n\r\n");
        var (continueStatus, _) = await raw.ReadHeadAsync();
        Assert.Equal(100, continueStatus);
        var json = """[{"id":1,"name":"a"},{"id":2,"name":"b"}]""";
        var half = json.Length / 2;
        await raw.SendAsync($"{half:x}\r\n{json[..half]}\r\n{json.Length - half:x}\r\n{json[half..]}\r\n0\r\n\r\n");
        var (status, headers) = await raw.ReadHeadAsync();
        var body = await raw.ReadBodyAsync(headers);
        Assert.Equal(200, status);
        var keys = JsonDocument.Parse(body).RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["TxnId", "Label", "Status", "Message", "NumberTotalRows", "NumberLoadedRows", "NumberFilteredRows", "NumberUnselectedRows",
            "LoadBytes", "LoadTimeMs", "BeginTxnTimeMs", "StreamLoadPlanTimeMs", "ReadDataTimeMs", "WriteDataTimeMs", "CommitAndPublishTimeMs"], keys);
        Assert.Contains("\n", body);
        Assert.Equal(2, sr.Table("analytics", "orders").Count);
    }

    [Fact]
    public async Task A_label_not_aborted_is_refused_with_its_job_status_and_an_aborted_label_can_be_used_again()
    {
        await using var sr = await SrDouble.StartAsync();
        sr.Execute(Orders);
        using var http = new DoubleHttp(sr);
        var first = await http.StreamLoadAsync("orders", """[{"id":1,"name":"a"}]""", "l1");
        var again = await http.StreamLoadAsync("orders", """[{"id":1,"name":"changed"}]""", "l1");
        Assert.Equal("Success", first.Json.GetProperty("Status").GetString());
        Assert.Equal("Label Already Exists", again.Json.GetProperty("Status").GetString());
        Assert.Equal("FINISHED", again.Json.GetProperty("ExistingJobStatus").GetString());
        Assert.Equal("Label [l1] has already been used.", again.Json.GetProperty("Message").GetString());
        Assert.Equal("a", sr.Table("analytics", "orders")[0]["name"]);
        Assert.True(again.Json.GetProperty("TxnId").GetInt64() >= first.Json.GetProperty("TxnId").GetInt64());

        sr.Faults.FailBeforeApply("failed to call frontend service");
        var failed = await http.StreamLoadAsync("orders", """[{"id":2,"name":"b"}]""", "l2");
        Assert.Equal("Fail", failed.Json.GetProperty("Status").GetString());
        Assert.Equal("ABORTED", await http.LoadStateAsync("l2"));
        var reused = await http.StreamLoadAsync("orders", """[{"id":2,"name":"b"}]""", "l2");
        Assert.Equal("Success", reused.Json.GetProperty("Status").GetString());
        Assert.Equal("VISIBLE", await http.LoadStateAsync("l2"));
        Assert.Equal("UNKNOWN", await http.LoadStateAsync("never"));
    }

    [Fact]
    public async Task Rows_violating_NOT_NULL_are_filtered_and_fail_the_load_with_an_error_log_unless_max_filter_ratio_allows_them()
    {
        await using var sr = await SrDouble.StartAsync();
        sr.Execute(Orders);
        using var http = new DoubleHttp(sr);
        var body = """[{"id":1,"name":"a"},{"id":2,"name":null},{"id":3,"name":"this is far too long"}]""";
        var refused = await http.StreamLoadAsync("orders", body, "f1");
        Assert.Equal("Fail", refused.Json.GetProperty("Status").GetString());
        Assert.Equal("too many filtered rows", refused.Json.GetProperty("Message").GetString());
        Assert.Equal(2, refused.Json.GetProperty("NumberFilteredRows").GetInt64());
        var log = await new HttpClient().GetStringAsync(refused.Json.GetProperty("ErrorURL").GetString());
        Assert.Contains("NULL value in non-nullable column 'name'", log);
        Assert.Contains("too long", log);
        Assert.Empty(sr.Table("analytics", "orders"));
        Assert.Equal("ABORTED", sr.LabelState("analytics", "f1"));

        var allowed = await http.StreamLoadAsync("orders", body, "f2", new Dictionary<string, string> { ["max_filter_ratio"] = "0.7" });
        Assert.Equal("Success", allowed.Json.GetProperty("Status").GetString());
        Assert.Equal(1, allowed.Json.GetProperty("NumberLoadedRows").GetInt64());
    }

    [Fact]
    public async Task An_empty_load_is_all_partitions_have_no_load_data_and_a_bad_label_is_refused()
    {
        await using var sr = await SrDouble.StartAsync();
        sr.Execute(Orders);
        using var http = new DoubleHttp(sr);
        var empty = await http.StreamLoadAsync("orders", "[]", "e1");
        Assert.Equal("all partitions have no load data", empty.Json.GetProperty("Message").GetString());
        var bad = await http.StreamLoadAsync("orders", """[{"id":1,"name":"a"}]""", "has space");
        Assert.Equal("Fail", bad.Json.GetProperty("Status").GetString());
        Assert.Contains("Label format error", bad.Json.GetProperty("Message").GetString());
    }

    [Fact]
    public async Task Op_deletes_rows_and_a_partial_update_changes_only_the_listed_columns()
    {
        await using var sr = await SrDouble.StartAsync();
        sr.Execute(Orders);
        using var http = new DoubleHttp(sr);
        await http.StreamLoadAsync("orders", """[{"id":1,"name":"a","note":"keep","amount":1.5},{"id":2,"name":"b"},{"id":3,"name":"c"}]""", "p1");
        var partial = await http.StreamLoadAsync("orders", """[{"id":1,"amount":"2.345","__op":0},{"id":2,"__op":1}]""", "p2",
            new Dictionary<string, string> { ["partial_update"] = "true", ["columns"] = "`id`,`amount`,`__op`" });
        Assert.Equal("Success", partial.Json.GetProperty("Status").GetString());
        await http.StreamLoadAsync("orders", """[{"id":3}]""", "p3", new Dictionary<string, string> { ["columns"] = "id, __op='delete'" });
        var rows = sr.Table("analytics", "orders");
        var row = Assert.Single(rows);
        Assert.Equal("a", row["name"]);
        Assert.Equal("keep", row["note"]);
        Assert.Equal("2.35", row["amount"]);
    }

    [Fact]
    public async Task JSON_over_the_size_limit_needs_ignore_json_size()
    {
        await using var sr = await SrDouble.StartAsync(new StarRocksDoubleOptions { JsonSizeLimit = 64 });
        sr.Execute(Orders);
        using var http = new DoubleHttp(sr);
        var body = "[" + string.Join(",", Enumerable.Range(1, 10).Select(i => $$"""{"id":{{i}},"name":"n"}""")) + "]";
        var refused = await http.StreamLoadAsync("orders", body, "j1");
        Assert.StartsWith("The size of this batch exceed the max size [64] of json type data", refused.Json.GetProperty("Message").GetString());
        var accepted = await http.StreamLoadAsync("orders", body, "j2", new Dictionary<string, string> { ["ignore_json_size"] = "true" });
        Assert.Equal("Success", accepted.Json.GetProperty("Status").GetString());
    }

    [Fact]
    public async Task A_transaction_loads_prepares_and_commits_PREPARED_on_the_FE_and_commit_is_idempotent()
    {
        await using var sr = await SrDouble.StartAsync();
        sr.Execute(Orders);
        using var http = new DoubleHttp(sr);
        Assert.Equal("OK", (await http.TransactionAsync("begin", "t1", "orders")).Json.GetProperty("Status").GetString());
        var duplicate = await http.TransactionAsync("begin", "t1", "orders");
        Assert.Equal("LABEL_ALREADY_EXISTS", duplicate.Json.GetProperty("Status").GetString());
        Assert.Equal("RUNNING", duplicate.Json.GetProperty("ExistingJobStatus").GetString());
        Assert.Equal("OK", (await http.TransactionAsync("load", "t1", "orders", """[{"id":1,"name":"a"}]""")).Json.GetProperty("Status").GetString());
        Assert.Equal("OK", (await http.TransactionAsync("load", "t1", "orders", """[{"id":2,"name":"b"}]""")).Json.GetProperty("Status").GetString());
        var prepared = await http.TransactionAsync("prepare", "t1", "orders");
        Assert.Equal(2, prepared.Json.GetProperty("NumberLoadedRows").GetInt64());
        Assert.Equal("PREPARED", await http.LoadStateAsync("t1"));
        Assert.Empty(sr.Table("analytics", "orders"));

        var beRequests = sr.Requests.Count(r => r.Server == "BE");
        Assert.Equal("OK", (await http.TransactionAsync("commit", "t1", "orders")).Json.GetProperty("Status").GetString());
        Assert.Equal(beRequests, sr.Requests.Count(r => r.Server == "BE"));
        Assert.Equal(2, sr.Table("analytics", "orders").Count);
        var again = await http.TransactionAsync("commit", "t1", "orders");
        Assert.Equal("OK", again.Json.GetProperty("Status").GetString());
        Assert.Contains("has already committed", again.Json.GetProperty("Message").GetString());
        Assert.Equal("FAILED", (await http.TransactionAsync("begin", "", "orders")).Json.GetProperty("Status").GetString());
    }

    [Fact]
    public async Task Transaction_faults_rollback_and_the_running_transaction_limit()
    {
        await using var sr = await SrDouble.StartAsync(new StarRocksDoubleOptions { MaxRunningTransactions = 1 });
        sr.Execute(Orders);
        using var http = new DoubleHttp(sr);
        await http.TransactionAsync("begin", "t1", "orders");
        var limit = await http.TransactionAsync("begin", "t2", "orders");
        Assert.Contains("larger than limit 1", limit.Json.GetProperty("Message").GetString());
        sr.Faults.TransactionInProcessing();
        var busy = await http.TransactionAsync("load", "t1", "orders", """[{"id":1,"name":"a"}]""");
        Assert.Equal("TXN_IN_PROCESSING", busy.Json.GetProperty("Status").GetString());
        Assert.Equal("OK", (await http.TransactionAsync("rollback", "t1", "orders")).Json.GetProperty("Status").GetString());
        Assert.Equal("ABORTED", await http.LoadStateAsync("t1"));
        Assert.Equal("TXN_NOT_EXISTS", (await http.TransactionAsync("load", "t1", "orders", """[{"id":1,"name":"a"}]""")).Json.GetProperty("Status").GetString());
        Assert.Equal("OK", (await http.TransactionAsync("begin", "t2", "orders")).Json.GetProperty("Status").GetString());
    }

    [Fact]
    public async Task Injected_publish_timeout_and_running_label_behave_as_specified()
    {
        await using var sr = await SrDouble.StartAsync();
        sr.Execute(Orders);
        using var http = new DoubleHttp(sr);
        sr.Faults.PublishTimeout();
        var timeout = await http.StreamLoadAsync("orders", """[{"id":1,"name":"a"}]""", "pt");
        Assert.Equal("Publish Timeout", timeout.Json.GetProperty("Status").GetString());
        Assert.Single(sr.Table("analytics", "orders"));

        sr.Faults.LabelAlreadyExistsRunning(pollsUntilDone: 2);
        var running = await http.StreamLoadAsync("orders", """[{"id":2,"name":"b"}]""", "run");
        Assert.Equal("RUNNING", running.Json.GetProperty("ExistingJobStatus").GetString());
        Assert.Equal("PREPARE", await http.LoadStateAsync("run"));
        Assert.Equal("VISIBLE", await http.LoadStateAsync("run"));
        Assert.Equal(2, sr.Table("analytics", "orders").Count);

        sr.Faults.Unauthorized();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.StreamLoadAsync("orders", "[]", "u")).Status);
    }

    [Fact]
    public async Task MySqlConnector_connects_and_the_DDL_and_metadata_statements_work()
    {
        await using var sr = await SrDouble.StartAsync();
        sr.Faults.AlterJobPolls = 1;
        var cs = $"Server=127.0.0.1;Port={sr.MySqlPort};User ID={sr.User};Password={sr.Password};ConnectionReset=false";
        await using var connection = new MySqlConnection(cs);
        await connection.OpenAsync();
        async Task<List<string?[]>> Query(string sql)
        {
            await using var cmd = new MySqlCommand(sql, connection);
            await using var reader = await cmd.ExecuteReaderAsync();
            var rows = new List<string?[]>();
            while (await reader.ReadAsync())
                rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : reader.GetValue(i).ToString()).ToArray());
            return rows;
        }
        Assert.Equal("1", (await Query("SELECT 1"))[0][0]);
        await using (var ping = new MySqlCommand(Orders, connection)) await ping.ExecuteNonQueryAsync();
        Assert.True(await connection.PingAsync());
        var columns = await Query("SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY FROM information_schema.COLUMNS " +
                                  "WHERE TABLE_SCHEMA = 'analytics' AND TABLE_NAME = 'orders' ORDER BY ORDINAL_POSITION");
        Assert.Equal(new string?[] { "id", "bigint(20)", "NO", "PRI" }, columns[0]);
        Assert.Equal(new string?[] { "amount", "decimal(12,2)", "YES", "" }, columns[3]);
        await using (var alter = new MySqlCommand("ALTER TABLE `analytics`.`orders` ADD COLUMN `x` INT NULL PROPERTIES (\"timeout\" = \"60\")", connection))
            await alter.ExecuteNonQueryAsync();
        Assert.Equal("RUNNING", (await Query("SHOW ALTER TABLE COLUMN FROM `analytics` WHERE TableName = 'orders' ORDER BY JobId DESC LIMIT 1"))[0][9]);
        Assert.Equal("FINISHED", (await Query("SHOW ALTER TABLE COLUMN FROM `analytics` WHERE TableName = 'orders' ORDER BY JobId DESC LIMIT 1"))[0][9]);
        Assert.Equal(5, (await Query("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'analytics' AND TABLE_NAME = 'orders'")).Count);
        Assert.Equal(["orders"], (await Query("SHOW TABLES FROM analytics")).Select(r => r[0]));
        var error = await Assert.ThrowsAsync<MySqlException>(() => Query("SELECT nonsense"));
        Assert.Contains("does not understand", error.Message);

        await using var wrong = new MySqlConnection($"Server=127.0.0.1;Port={sr.MySqlPort};User ID={sr.User};Password=wrong");
        var denied = await Assert.ThrowsAsync<MySqlException>(() => wrong.OpenAsync());
        Assert.Equal(1045, denied.Number);
        Assert.Empty(sr.Errors);
    }
}
