// The shopping-cart program end to end: the demo twice on one directory (the second run
// continues), the commands with their domain rules and exit codes, history, and "as of" views.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "program_run.h"
#include "support/temp_dir.h"

namespace {

using mnemos::test::count;
using mnemos::test::ProgramRun;

class ShoppingCartExample : public ::testing::Test {
 protected:
  ProgramRun cart(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", dir_.path()});
    return mnemos::test::run_program(SHOPPING_CART_BIN, args);
  }
  mnemos::test::TempDir dir_{"shopping-cart"};
};

TEST_F(ShoppingCartExample, DemoRunsAndASecondRunContinuesOnTheSameData) {
  ProgramRun first = cart({});
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("cart 1 (stream cart-1); 0 cart(s)"), std::string::npos) << first.out;
  // The three commands that break a rule are refused; six are appended.
  EXPECT_EQ(count(first.out, "REJECTED"), 3u) << first.out;
  EXPECT_EQ(count(first.out, "ok -> cart-1"), 6u) << first.out;
  EXPECT_NE(first.out.find("cart 1 at revision 5: 3 x mug-7, 4 x pen-3  [checked out]"), std::string::npos)
      << first.out;
  // As of its second event: what the cart held then.
  EXPECT_NE(first.out.find("cart 1 at revision 1: 1 x book-42, 2 x mug-7\n"), std::string::npos) << first.out;
  // A snapshot every 5 events: the rebuilt cart starts from revision 4.
  EXPECT_NE(first.out.find("snapshot at revision 4 + 1 event(s)"), std::string::npos) << first.out;

  ProgramRun second = cart({"demo"});
  ASSERT_EQ(second.exit_code, 0) << second.out;
  EXPECT_NE(second.out.find("cart 2 (stream cart-2); 1 cart(s)"), std::string::npos) << second.out;
  EXPECT_EQ(count(second.out, "ok -> cart-2"), 6u) << second.out;
  // Cart 1 is still there, unchanged, beside cart 2.
  EXPECT_NE(second.out.find("cart 1 at revision 5:"), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("cart 2 at revision 5:"), std::string::npos) << second.out;
}

TEST_F(ShoppingCartExample, CommandsFollowTheDomainRulesAndExitCodes) {
  EXPECT_EQ(cart({"add", "7", "apple", "2"}).exit_code, 0);
  ProgramRun negative = cart({"add", "7", "apple", "-1"});
  EXPECT_EQ(negative.exit_code, 2);
  EXPECT_NE(negative.out.find("REJECTED"), std::string::npos);
  EXPECT_EQ(cart({"change", "7", "apple", "-4"}).exit_code, 2);
  EXPECT_EQ(cart({"remove", "7", "pear"}).exit_code, 2);
  EXPECT_EQ(cart({"change", "7", "apple", "5"}).exit_code, 0);
  EXPECT_EQ(cart({"checkout", "7"}).exit_code, 0);
  EXPECT_EQ(cart({"add", "7", "pear", "1"}).exit_code, 2);

  ProgramRun history = cart({"history", "7"});
  ASSERT_EQ(history.exit_code, 0);
  EXPECT_EQ(count(history.out, "rev "), 3u) << history.out;
  EXPECT_NE(history.out.find("cart.quantity-changed"), std::string::npos);

  ProgramRun now = cart({"show", "7"});
  EXPECT_NE(now.out.find("cart 7 at revision 2: 5 x apple  [checked out]"), std::string::npos) << now.out;
}

TEST_F(ShoppingCartExample, ShowAsOfAPositionOrATime) {
  ASSERT_EQ(cart({"add", "9", "apple", "2"}).exit_code, 0);
  ASSERT_EQ(cart({"add", "9", "pear", "1"}).exit_code, 0);
  // The first event's position, from its history line: "rev   0  pos     64  ...".
  ProgramRun history = cart({"history", "9"});
  const size_t pos = history.out.find("pos");
  ASSERT_NE(pos, std::string::npos);
  const std::string first_position = std::to_string(std::stoull(history.out.substr(pos + 3)));
  ProgramRun at = cart({"show", "9", "--at", first_position});
  EXPECT_NE(at.out.find("cart 9 at revision 0: 2 x apple\n"), std::string::npos) << at.out;

  ProgramRun before = cart({"show", "9", "--as-of", "2000-01-01T00:00:00Z"});
  EXPECT_EQ(before.exit_code, 0);
  EXPECT_NE(before.out.find("no events yet at that point"), std::string::npos) << before.out;
}

TEST_F(ShoppingCartExample, BadInputIsRefusedAndChangesNothing) {
  ASSERT_EQ(cart({"add", "3", "apple", "1"}).exit_code, 0);
  EXPECT_NE(cart({"show", "3", "--as-of", "yesterday"}).exit_code, 0);
  EXPECT_NE(cart({"add", "3", "apple"}).exit_code, 0);           // missing quantity
  EXPECT_NE(cart({"add", "3", "apple", "lots"}).exit_code, 0);   // not a number
  EXPECT_NE(cart({"frobnicate"}).exit_code, 0);
  ProgramRun history = cart({"history", "3"});
  EXPECT_EQ(count(history.out, "rev "), 1u) << history.out;
}

}  // namespace
