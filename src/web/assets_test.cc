#include "web/assets.h"

#include <gtest/gtest.h>

namespace mnemos::web {
namespace {

TEST(FindAsset, RootIsIndexHtml) {
  const Asset* root = find_asset("/");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root, find_asset("/index.html"));
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  EXPECT_NE(root->body.find("<!doctype html>"), std::string_view::npos);
}

TEST(FindAsset, ScriptAndStyleHaveTheirContentTypes) {
  const Asset* js = find_asset("/app.js");
  ASSERT_NE(js, nullptr);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_FALSE(js->body.empty());
  const Asset* css = find_asset("/app.css");
  ASSERT_NE(css, nullptr);
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
}

TEST(FindAsset, IndexReferencesOnlyEmbeddedFiles) {
  const std::string_view html = find_asset("/")->body;
  EXPECT_NE(html.find("src=\"app.js\""), std::string_view::npos);
  EXPECT_NE(html.find("href=\"app.css\""), std::string_view::npos);
  // No network: nothing is loaded from another host.
  EXPECT_EQ(html.find("http://"), std::string_view::npos);
  EXPECT_EQ(html.find("https://"), std::string_view::npos);
}

TEST(FindAsset, BodyIsTheWholeFileWithoutTheTerminator) {
  const std::string_view html = find_asset("/")->body;
  ASSERT_FALSE(html.empty());
  EXPECT_NE(html.back(), '\0');
  EXPECT_NE(html.find("</html>"), std::string_view::npos);
}

TEST(FindAsset, UnknownPathsAreNotFound) {
  EXPECT_EQ(find_asset(""), nullptr);
  EXPECT_EQ(find_asset("/nope.js"), nullptr);
  EXPECT_EQ(find_asset("index.html"), nullptr);
  EXPECT_EQ(find_asset("/index.html/"), nullptr);
  EXPECT_EQ(find_asset("/../index.html"), nullptr);
  EXPECT_EQ(find_asset("/streams"), nullptr);
}

}  // namespace
}  // namespace mnemos::web
