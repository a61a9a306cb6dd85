#include "controllers/controller_manager.h"

#include <gtest/gtest.h>

#include "testing/test_apiserver.h"

namespace kwok::controllers {
namespace {

// Records starts and stops in a shared log.
class FakeController : public Controller {
 public:
  FakeController(std::string name, std::vector<std::string>& log, bool fail)
      : name_(std::move(name)), log_(log), fail_(fail) {}
  Status start() override {
    if (fail_) return Error::internal("boom");
    log_.push_back("start " + name_);
    return {};
  }
  void stop() override { log_.push_back("stop " + name_); }

 private:
  std::string name_;
  std::vector<std::string>& log_;
  bool fail_;
};

std::vector<ControllerDescriptor> fakes(std::vector<std::string>& log, const std::string& failing = "") {
  std::vector<ControllerDescriptor> out;
  for (auto [name, byDefault] : {std::pair{"a", true}, {"b", true}, {"c", false}}) {
    out.push_back({name, byDefault, [&log, name = std::string(name), failing](const ControllerContext&) {
                     return std::make_unique<FakeController>(name, log, name == failing);
                   }});
  }
  return out;
}

TEST(SelectControllers, FollowsKubeControllerManagerFlags) {
  std::vector<std::string> log;
  auto known = fakes(log);
  using V = std::vector<std::string>;
  EXPECT_EQ(*selectControllers({"*"}, known), (V{"a", "b"}));
  EXPECT_EQ(*selectControllers({"*", "c"}, known), (V{"a", "b", "c"}));
  EXPECT_EQ(*selectControllers({"*", "-a"}, known), (V{"b"}));
  EXPECT_EQ(*selectControllers({"c"}, known), (V{"c"}));
  EXPECT_EQ(*selectControllers({}, known), V{});
  auto bad = selectControllers({"*", "nope"}, known);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "\"nope\" is not in the list of known controllers");
}

TEST(SelectControllers, AllBuiltinsAreOnByDefaultInStartOrder) {
  EXPECT_EQ(*selectControllers({"*"}, builtinControllers()),
            (std::vector<std::string>{"scheduler", "replicaset", "replicationcontroller", "deployment",
                                      "garbagecollector", "namespace", "podgc", "nodelifecycle", "serviceaccount",
                                      "root-ca-cert-publisher", "endpoints", "endpointslice", "job", "cronjob",
                                      "ttl-after-finished", "statefulset", "daemonset", "disruption"}));
  EXPECT_EQ((*selectControllers({"*", "-scheduler"}, builtinControllers())).front(), "replicaset");
}

TEST(ControllerManager, StartsInOrderStopsInReverse) {
  testing::TestApiServer api;
  RealClock clock;
  std::vector<std::string> log;
  {
    ControllerManager m({api.client(), api.informers(), clock}, fakes(log));
    ASSERT_TRUE(m.start({"*", "c"}).ok());
    EXPECT_EQ(m.running(), (std::vector<std::string>{"a", "b", "c"}));
  }
  EXPECT_EQ(log, (std::vector<std::string>{"start a", "start b", "start c", "stop c", "stop b", "stop a"}));
}

TEST(ControllerManager, AFailedStartStopsTheOthers) {
  testing::TestApiServer api;
  RealClock clock;
  std::vector<std::string> log;
  ControllerManager m({api.client(), api.informers(), clock}, fakes(log, "b"));
  auto st = m.start({"*"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "starting b: boom");
  EXPECT_TRUE(m.running().empty());
  EXPECT_EQ(log, (std::vector<std::string>{"start a", "stop a"}));
}

}  // namespace
}  // namespace kwok::controllers
