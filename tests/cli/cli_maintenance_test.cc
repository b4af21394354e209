// delete, metadata, streams, stats, verify, reindex, export and import.
#include <algorithm>
#include <filesystem>
#include <map>
#include <string>

#include "cli/cli_fixture.h"
#include "support/files.h"

namespace mnemos::cli_test {
namespace {

using CliMaintenance = CliTest;

TEST_F(CliMaintenance, DeletePrintsStreamAndPosition) {
  Json ack = append("s", "A");
  RunResult r = mnemos({"delete", "--stream", "s", "--expected", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json out = r.line();
  EXPECT_EQ(keys_of(out), (std::vector<std::string>{"stream", "position"}));
  EXPECT_EQ(out["stream"], "s");
  EXPECT_GT(out["position"].get<uint64_t>(), ack["position"].get<uint64_t>());
  // A soft-deleted stream is re-created by an append, continuing its revisions.
  EXPECT_EQ(append("s", "B")["first_revision"], 1);
}

TEST_F(CliMaintenance, MetadataGetAndSet) {
  append("s", "A");
  RunResult get = mnemos({"metadata", "--stream", "s"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.line().dump(), R"({"stream":"s","metadata":{},"revision":null})");

  RunResult set = mnemos({"metadata", "--stream", "s", "--set", R"({"$maxCount":1,"owner":"ann"})",
                          "--expected", "no_stream"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  Json ack = set.line();
  EXPECT_EQ(keys_of(ack),
            (std::vector<std::string>{"stream", "first_revision", "last_revision", "position"}));
  EXPECT_EQ(ack["stream"], "$$s");
  EXPECT_EQ(ack["last_revision"], 0);

  get = mnemos({"metadata", "--stream", "s"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(get.line().dump(), R"({"stream":"s","metadata":{"$maxCount":1,"owner":"ann"},"revision":0})");

  append("s", "B");
  EXPECT_EQ(read("s").size(), 1u);  // $maxCount applies on read

  EXPECT_EQ(mnemos({"metadata", "--stream", "s", "--set", "{}", "--expected", "5"}).exit_code, 3);
  EXPECT_EQ(mnemos({"metadata", "--stream", "s", "--set", "[1]"}).exit_code, 2);
}

TEST_F(CliMaintenance, StreamsListsNamesRevisionsAndStates) {
  append("b-live", "A");
  append("b-live", "A");
  append("a-soft", "A");
  append("c-hard", "A");
  append("other", "A");
  ASSERT_EQ(mnemos({"delete", "--stream", "a-soft"}).exit_code, 0);
  ASSERT_EQ(mnemos({"delete", "--stream", "c-hard", "--hard"}).exit_code, 0);
  RunResult r = mnemos({"streams", "--prefix", "b-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.line().dump(), R"({"stream":"b-live","last_revision":1,"state":"live"})");

  r = mnemos({"streams"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, Json> by_name;
  for (const Json& line : r.lines()) {
    EXPECT_EQ(keys_of(line), (std::vector<std::string>{"stream", "last_revision", "state"}));
    by_name[line["stream"]] = line;
  }
  EXPECT_EQ(by_name["a-soft"]["state"], "soft_deleted");
  EXPECT_EQ(by_name["c-hard"]["state"], "tombstoned");
  EXPECT_EQ(by_name["other"]["state"], "live");

  r = mnemos({"streams", "--limit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.lines().size(), 2u);
}

TEST_F(CliMaintenance, StatsPrintsOneObject) {
  append("s", "A");
  Json ack = append("t", "A");
  RunResult r = mnemos({"stats"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json stats = r.line();
  EXPECT_EQ(keys_of(stats),
            (std::vector<std::string>{"events", "streams", "log_bytes", "index_bytes", "segments",
                                      "head_position", "appends", "syncs"}));
  EXPECT_EQ(stats["events"], 2);
  EXPECT_EQ(stats["streams"], 2);
  EXPECT_GT(stats["log_bytes"].get<uint64_t>(), 0u);
  EXPECT_GE(stats["segments"].get<uint64_t>(), 1u);
  EXPECT_EQ(stats["head_position"], ack["position"]);
}

std::string first_segment(const std::string& db) {
  std::vector<std::string> segments;
  for (const auto& entry : std::filesystem::directory_iterator(db + "/log")) {
    if (entry.path().extension() == ".seg") segments.push_back(entry.path());
  }
  std::sort(segments.begin(), segments.end());
  return segments.empty() ? "" : segments.front();
}

TEST_F(CliMaintenance, VerifyReportsDamageWithExitFiveNamingThePosition) {
  const std::string payload = R"({"text":")" + std::string(400, 'x') + R"("})";
  for (int i = 0; i < 5; ++i) append("s", "T", payload);
  RunResult ok = mnemos({"verify"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  Json report = ok.line();
  EXPECT_EQ(keys_of(report), (std::vector<std::string>{"ok", "records", "commits", "bytes",
                                                       "index_entries_checked"}));
  EXPECT_EQ(report["ok"], true);
  EXPECT_GE(report["records"].get<uint64_t>(), 5u);

  const std::string segment = first_segment(db());
  ASSERT_FALSE(segment.empty());
  mnemos::test::flip_byte(segment, 64 + 200);  // well inside the first record
  RunResult damaged = mnemos({"verify"});
  EXPECT_EQ(damaged.exit_code, 5) << damaged.err;
  EXPECT_TRUE(damaged.err.starts_with("mnemos: corruption: ")) << damaged.err;
  EXPECT_NE(damaged.err.find("position"), std::string::npos) << damaged.err;
  const Json failed = damaged.line();
  ASSERT_TRUE(failed.contains("error")) << failed;
  EXPECT_EQ(failed["ok"], false);
  EXPECT_EQ(failed["error"]["code"], "corruption");
  EXPECT_TRUE(failed["error"]["position"].is_number()) << failed;
}

TEST_F(CliMaintenance, ReindexRebuildsTheIndex) {
  for (int i = 0; i < 3; ++i) append("s", "T");
  RunResult r = mnemos({"reindex"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.line().dump(), R"({"ok":true})");
  EXPECT_EQ(read("s").size(), 3u);
  EXPECT_EQ(mnemos({"verify"}).exit_code, 0);
}

// What import keeps: everything but positions, timestamps and the ids of tombstones.
std::vector<Json> imported_part(std::vector<Json> events) {
  for (Json& e : events) {
    e.erase("position");
    e.erase("timestamp");
    if (e["type"] == "$streamDeleted") e.erase("id");
  }
  return events;
}

TEST_F(CliMaintenance, ExportThenImportRoundTripsOntoAFreshDirectory) {
  append("cart-1", "ItemAdded", R"({"sku":"A1","qty":1})", {"--metadata", R"({"by":"ann"})"});
  append("cart-2", "ItemAdded", R"({"sku":"B2"})");
  append("cart-1", "CheckedOut", "");
  ASSERT_EQ(mnemos({"import"},
                   R"({"stream":"blob","revision":0,"type":"Bin","data":"AAECAw==",)"
                   R"("data_encoding":"base64"})"
                   "\n")
                .exit_code,
            0);
  ASSERT_EQ(mnemos({"metadata", "--stream", "cart-2", "--set", R"({"owner":"bob"})"}).exit_code,
            0);
  append("gone", "A");
  ASSERT_EQ(mnemos({"delete", "--stream", "gone", "--hard"}).exit_code, 0);
  append("again", "A");
  ASSERT_EQ(mnemos({"delete", "--stream", "again"}).exit_code, 0);
  append("again", "B");  // re-created, at revision 1
  append("soft", "A");
  ASSERT_EQ(mnemos({"delete", "--stream", "soft"}).exit_code, 0);
  append("cart-2", "ItemAdded", R"({"sku":"C3"})");

  RunResult exported = mnemos({"export"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const std::string fresh = path("fresh");
  RunResult imported = mnemos_on(fresh, {"import"}, exported.out);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  Json summary = imported.line();
  EXPECT_EQ(summary["events"].get<size_t>(), exported.lines().size());

  RunResult original_all = mnemos({"read-all"});
  RunResult copy_all = mnemos_on(fresh, {"read-all"});
  ASSERT_EQ(copy_all.exit_code, 0) << copy_all.err;
  EXPECT_EQ(imported_part(copy_all.lines()), imported_part(original_all.lines()));
  EXPECT_EQ(mnemos_on(fresh, {"streams"}).out, mnemos({"streams"}).out);
  EXPECT_EQ(mnemos_on(fresh, {"metadata", "--stream", "cart-2"}).out,
            mnemos({"metadata", "--stream", "cart-2"}).out);
  EXPECT_EQ(imported_part(mnemos_on(fresh, {"read", "--stream", "again"}).lines()),
            imported_part(read("again")));
  EXPECT_EQ(mnemos_on(fresh, {"read", "--stream", "soft"}).exit_code, 4);

  RunResult carts = mnemos({"export", "--stream-prefix", "cart-"});
  ASSERT_EQ(carts.exit_code, 0) << carts.err;
  EXPECT_EQ(carts.lines().size(), 4u);
}

TEST_F(CliMaintenance, ImportingTheSameLinesTwiceWritesNothingNew) {
  append("a", "X", R"({"n":1})");
  append("b", "Y");
  append("a", "Z");
  ASSERT_EQ(mnemos({"metadata", "--stream", "a", "--set", R"({"k":1})"}).exit_code, 0);
  RunResult exported = mnemos({"export"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const std::string fresh = path("fresh");
  ASSERT_EQ(mnemos_on(fresh, {"import"}, exported.out).exit_code, 0);
  const std::string once = mnemos_on(fresh, {"read-all"}).out;
  RunResult again = mnemos_on(fresh, {"import"}, exported.out);
  EXPECT_EQ(again.exit_code, 0) << again.err;  // the ids are there already, at the same place
  EXPECT_EQ(mnemos_on(fresh, {"read-all"}).out, once);
}

TEST_F(CliMaintenance, ImportRejectsMalformedLinesWithExitTwo) {
  RunResult r = mnemos({"import"}, "{\"stream\":\"s\",\"type\":\"T\"}\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("line 1"), std::string::npos) << r.err;
  r = mnemos({"import"}, R"({"stream":"s","revision":3,"type":"T"})" "\n");
  EXPECT_EQ(r.exit_code, 3) << r.err;  // revisions 0..2 are missing
}

}  // namespace
}  // namespace mnemos::cli_test
