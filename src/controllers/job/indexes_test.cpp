#include "controllers/job/indexes.h"

#include <gtest/gtest.h>

namespace kwok::controllers::job {
namespace {

TEST(IndexesTest, FormatsRuns) {
  EXPECT_EQ(formatIndexes({}), "");
  EXPECT_EQ(formatIndexes({0}), "0");
  EXPECT_EQ(formatIndexes({0, 1}), "0-1");
  EXPECT_EQ(formatIndexes({1, 3, 4, 5, 7}), "1,3-5,7");
}

TEST(IndexesTest, ParsesAndDropsOutOfRange) {
  EXPECT_EQ(parseIndexes("1,3-5,7", 10), (std::set<std::int32_t>{1, 3, 4, 5, 7}));
  EXPECT_EQ(parseIndexes("1,3-5,7", 5), (std::set<std::int32_t>{1, 3, 4}));
  EXPECT_EQ(parseIndexes("x,2", 5), (std::set<std::int32_t>{2}));
  EXPECT_EQ(parseIndex("3", 4), 3);
  EXPECT_FALSE(parseIndex("4", 4));
  EXPECT_FALSE(parseIndex("", 4));
  EXPECT_FALSE(parseIndex("-1", 4));
}

}  // namespace
}  // namespace kwok::controllers::job
