// Component tests of kwok-apiserver through its HTTP API.
#include <gtest/gtest.h>

#include <thread>

#include "testing/test_apiserver.h"

#include "core/ip.h"
#include "core/yaml.h"
#include "net/http_client.h"

namespace kwok::testing {
namespace {

using client::PatchType;

json::value pod(std::string name, std::string node = "") {
  json::object spec{{"containers", json::array{json::object{{"name", "c"}, {"image", "busybox"}}}}};
  if (!node.empty()) spec["nodeName"] = node;
  return json::object{{"apiVersion", "v1"},
                      {"kind", "Pod"},
                      {"metadata", json::object{{"name", name}, {"labels", json::object{{"app", "x"}}}}},
                      {"spec", std::move(spec)}};
}

TEST(ApiServer, SeedsNamespaces) {
  TestApiServer s;
  auto list = s.client().get("/api/v1/namespaces");
  ASSERT_TRUE(list.ok()) << list.error().message;
  std::set<std::string> names;
  for (const auto& item : *arrayAt(*list, {"items"})) names.emplace(stringAt(item, {"metadata", "name"}));
  EXPECT_EQ(names, (std::set<std::string>{"default", "kube-node-lease", "kube-public", "kube-system"}));
}

TEST(ApiServer, CreateDefaultsPodAndRejectsDuplicate) {
  TestApiServer s;
  auto created = s.client().post("/api/v1/namespaces/default/pods", pod("p1"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(stringAt(*created, {"status", "phase"}), "Pending");
  EXPECT_EQ(stringAt(*created, {"spec", "schedulerName"}), "default-scheduler");
  EXPECT_EQ(stringAt(*created, {"metadata", "uid"}).size(), 36u);
  auto dup = s.client().post("/api/v1/namespaces/default/pods", pod("p1"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, 409);
  EXPECT_EQ(dup.error().reason, "AlreadyExists");
  EXPECT_EQ(dup.error().message, "pods \"p1\" already exists");
}

TEST(ApiServer, RejectsInvalidNamesAndMissingNamespaces) {
  TestApiServer s;
  auto bad = s.client().post("/api/v1/namespaces/default/pods", pod("Bad_Name"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, 422);
  EXPECT_NE(bad.error().message.find("metadata.name: Invalid value: \"Bad_Name\""), std::string::npos);
  auto missing = s.client().post("/api/v1/namespaces/nope/pods", pod("p"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, 404);
  EXPECT_EQ(missing.error().message, "namespaces \"nope\" not found");
}

TEST(ApiServer, WorkloadSelectorsAndCronSchedulesAreValidatedAsKubeDoes) {
  TestApiServer s;
  auto deployment = [](json::object selector, json::object labels) {
    return json::object{
        {"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata", json::object{{"name", "d"}}},
        {"spec", json::object{{"selector", std::move(selector)},
                              {"template", json::object{{"metadata", json::object{{"labels", std::move(labels)}}},
                                                        {"spec", json::object{{"containers", json::array{json::object{
                                                                                  {"name", "c"}, {"image", "nginx"}}}}}}}}}}};
  };
  const std::string deployments = "/apis/apps/v1/namespaces/default/deployments";
  auto mismatch = s.client().post(
      deployments, deployment({{"matchLabels", json::object{{"app", "a"}}}}, {{"tier", "x"}, {"app", "b"}}));
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code, 422);
  EXPECT_EQ(mismatch.error().message,
            "Deployment.apps \"d\" is invalid: spec.template.metadata.labels: Invalid value: "
            "map[string]string{\"app\":\"b\", \"tier\":\"x\"}: `selector` does not match template `labels`");
  EXPECT_TRUE(s.client().post(deployments, deployment({{"matchLabels", json::object{{"app", "a"}}}}, {{"app", "a"}})).ok());

  auto cronJob = [](std::string schedule, std::string zone) {
    json::object spec{{"schedule", schedule},
                      {"jobTemplate",
                       json::object{{"spec", json::object{{"template", json::object{{"spec", json::object{
                                                                          {"restartPolicy", "Never"},
                                                                          {"containers", json::array{json::object{
                                                                                             {"name", "c"},
                                                                                             {"image", "busybox"}}}}}}}}}}}}};
    if (!zone.empty()) spec["timeZone"] = zone;
    return json::object{{"apiVersion", "batch/v1"},
                        {"kind", "CronJob"},
                        {"metadata", json::object{{"name", "c"}}},
                        {"spec", std::move(spec)}};
  };
  const std::string cronJobs = "/apis/batch/v1/namespaces/default/cronjobs";
  auto badSchedule = s.client().post(cronJobs, cronJob("not a schedule", ""));
  ASSERT_FALSE(badSchedule.ok());
  EXPECT_EQ(badSchedule.error().code, 422);
  EXPECT_EQ(badSchedule.error().message,
            "CronJob.batch \"c\" is invalid: spec.schedule: Invalid value: \"not a schedule\": expected exactly 5 "
            "fields, found 3: [not a schedule]");
  auto badZone = s.client().post(cronJobs, cronJob("0 * * * *", "Mars/Base"));
  ASSERT_FALSE(badZone.ok());
  EXPECT_NE(badZone.error().message.find("spec.timeZone: Invalid value: \"Mars/Base\": unknown time zone Mars/Base"),
            std::string::npos)
      << badZone.error().message;
  EXPECT_TRUE(s.client().post(cronJobs, cronJob("*/5 * * * *", "UTC")).ok());
}

TEST(ApiServer, StatusSubresourceAndMainResourceSeparateStatus) {
  TestApiServer s;
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods", pod("p1", "n1")).ok());
  // The main resource ignores status...
  auto p = s.client().patch("/api/v1/namespaces/default/pods/p1", PatchType::Merge,
                            json::object{{"status", json::object{{"phase", "Running"}}}});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(stringAt(*p, {"status", "phase"}), "Pending");
  // ...and the status subresource changes it, merging conditions by type.
  auto st = s.client().patch(
      "/api/v1/namespaces/default/pods/p1/status", PatchType::Strategic,
      json::object{
          {"status", json::object{{"phase", "Running"},
                                  {"conditions", json::array{json::object{{"type", "Ready"}, {"status", "True"}}}}}}});
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(stringAt(*st, {"status", "phase"}), "Running");
}

TEST(ApiServer, UpdateWithStaleResourceVersionConflicts) {
  TestApiServer s;
  json::value cm = json::object{{"metadata", json::object{{"name", "c"}}}, {"data", json::object{{"a", "1"}}}};
  auto created = s.client().post("/api/v1/namespaces/default/configmaps", cm);
  ASSERT_TRUE(created.ok());
  json::value stale = *created;
  stale.as_object()["metadata"].as_object()["resourceVersion"] = "1";
  auto r = s.client().put("/api/v1/namespaces/default/configmaps/c", stale);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 409);
  EXPECT_EQ(r.error().reason, "Conflict");
}

TEST(ApiServer, NoOpPatchKeepsResourceVersion) {
  TestApiServer s;
  json::value cm = json::object{{"metadata", json::object{{"name", "c"}}}, {"data", json::object{{"a", "1"}}}};
  auto created = s.client().post("/api/v1/namespaces/default/configmaps", cm);
  ASSERT_TRUE(created.ok());
  auto same = s.client().patch("/api/v1/namespaces/default/configmaps/c", PatchType::Merge,
                               json::object{{"data", json::object{{"a", "1"}}}});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(stringAt(*same, {"metadata", "resourceVersion"}), stringAt(*created, {"metadata", "resourceVersion"}));
}

TEST(ApiServer, BindingAssignsNodeOnce) {
  TestApiServer s;
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods", pod("p1")).ok());
  json::value binding = json::object{{"apiVersion", "v1"},
                                     {"kind", "Binding"},
                                     {"metadata", json::object{{"name", "p1"}}},
                                     {"target", json::object{{"kind", "Node"}, {"name", "n1"}}}};
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods/p1/binding", binding).ok());
  auto p = s.client().get("/api/v1/namespaces/default/pods/p1");
  EXPECT_EQ(stringAt(*p, {"spec", "nodeName"}), "n1");
  auto again = s.client().post("/api/v1/namespaces/default/pods/p1/binding", binding);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, 409);
}

TEST(ApiServer, GracefulPodDeletionWaitsForZeroGrace) {
  TestApiServer s;
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods", pod("p1", "n1")).ok());
  auto first = s.client().del("/api/v1/namespaces/default/pods/p1");
  ASSERT_TRUE(first.ok());
  EXPECT_NE(findPath(*first, {"metadata", "deletionTimestamp"}), nullptr);
  EXPECT_TRUE(s.client().get("/api/v1/namespaces/default/pods/p1").ok());
  ASSERT_TRUE(s.client().del("/api/v1/namespaces/default/pods/p1", json::object{{"gracePeriodSeconds", 0}}).ok());
  auto gone = s.client().get("/api/v1/namespaces/default/pods/p1");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, 404);
}

TEST(ApiServer, FinalizersHoldDeletionUntilRemoved) {
  TestApiServer s;
  json::value cm = json::object{{"metadata", json::object{{"name", "c"}, {"finalizers", json::array{"x/y"}}}}};
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/configmaps", cm).ok());
  ASSERT_TRUE(s.client().del("/api/v1/namespaces/default/configmaps/c").ok());
  ASSERT_TRUE(s.client().get("/api/v1/namespaces/default/configmaps/c").ok());
  ASSERT_TRUE(s.client()
                  .patch("/api/v1/namespaces/default/configmaps/c", PatchType::Json,
                         json::array{json::object{{"op", "remove"}, {"path", "/metadata/finalizers"}}})
                  .ok());
  EXPECT_EQ(s.client().get("/api/v1/namespaces/default/configmaps/c").error().code, 404);
}

TEST(ApiServer, SelectorsFilterLists) {
  TestApiServer s;
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods", pod("a", "n1")).ok());
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods", pod("b", "n2")).ok());
  auto byNode = s.client().get("/api/v1/pods?fieldSelector=spec.nodeName%3Dn2");
  ASSERT_TRUE(byNode.ok());
  ASSERT_EQ(arrayAt(*byNode, {"items"})->size(), 1u);
  EXPECT_EQ(stringAt(arrayAt(*byNode, {"items"})->at(0), {"metadata", "name"}), "b");
  auto bad = s.client().get("/api/v1/pods?fieldSelector=spec.nonsense%3D1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, 400);
  EXPECT_EQ(bad.error().message, "field label not supported: spec.nonsense");
  auto none = s.client().get("/api/v1/pods?labelSelector=app%3Dother");
  EXPECT_EQ(arrayAt(*none, {"items"})->size(), 0u);
}

TEST(ApiServer, WatchSendsExistingThenChanges) {
  TestApiServer s;
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods", pod("a")).ok());
  std::vector<std::string> seen;
  net::CancelToken cancel;
  std::thread watcher([&] {
    (void)s.client().watch(
        "/api/v1/namespaces/default/pods?watch=true",
        [&](client::WatchEvent&& ev) {
          seen.push_back(ev.type + " " + std::string(stringAt(ev.object, {"metadata", "name"})));
          return seen.size() < 3;
        },
        &cancel);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods", pod("b")).ok());
  ASSERT_TRUE(s.client().del("/api/v1/namespaces/default/pods/b").ok());
  watcher.join();
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED a", "ADDED b", "DELETED b"}));
}

TEST(ApiServer, WatchRejectsMalformedResourceVersion) {
  TestApiServer s;
  auto st = s.client().watch("/api/v1/pods?watch=true&resourceVersion=abc", [](client::WatchEvent&&) { return true; });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, 400);
}


json::value deployment(std::string name, int replicas) {
  json::object tmpl{{"metadata", json::object{{"labels", json::object{{"app", name}}}}},
                    {"spec", json::object{{"containers", json::array{json::object{{"name", "c"}, {"image", "nginx:1.25"}}}}}}};
  return json::object{{"apiVersion", "apps/v1"},
                      {"kind", "Deployment"},
                      {"metadata", json::object{{"name", name}}},
                      {"spec", json::object{{"replicas", replicas},
                                            {"selector", json::object{{"matchLabels", json::object{{"app", name}}}}},
                                            {"template", std::move(tmpl)}}}};
}

TEST(ApiServer, DeploymentDefaultsAndGeneration) {
  TestApiServer s;
  auto d = s.client().post("/apis/apps/v1/namespaces/default/deployments", deployment("web", 2));
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(stringAt(*d, {"spec", "strategy", "type"}), "RollingUpdate");
  EXPECT_EQ(stringAt(*d, {"spec", "strategy", "rollingUpdate", "maxSurge"}), "25%");
  EXPECT_EQ(findPath(*d, {"spec", "revisionHistoryLimit"})->as_int64(), 10);
  EXPECT_EQ(stringAt(*d, {"spec", "template", "spec", "restartPolicy"}), "Always");
  EXPECT_EQ(findPath(*d, {"metadata", "generation"})->as_int64(), 1);
  auto scaled = s.client().patch("/apis/apps/v1/namespaces/default/deployments/web", PatchType::Merge,
                                 json::object{{"spec", json::object{{"replicas", 3}}}});
  EXPECT_EQ(findPath(*scaled, {"metadata", "generation"})->as_int64(), 2);
}

TEST(ApiServer, ScaleSubresourceReadsAndWritesReplicas) {
  TestApiServer s;
  ASSERT_TRUE(s.client().post("/apis/apps/v1/namespaces/default/deployments", deployment("web", 2)).ok());
  auto sc = s.client().get("/apis/apps/v1/namespaces/default/deployments/web/scale");
  ASSERT_TRUE(sc.ok()) << sc.error().message;
  EXPECT_EQ(stringAt(*sc, {"kind"}), "Scale");
  EXPECT_EQ(findPath(*sc, {"spec", "replicas"})->as_int64(), 2);
  EXPECT_EQ(stringAt(*sc, {"status", "selector"}), "app=web");
  auto patched = s.client().patch("/apis/apps/v1/namespaces/default/deployments/web/scale", PatchType::Merge,
                                  json::object{{"spec", json::object{{"replicas", 5}}}});
  ASSERT_TRUE(patched.ok()) << patched.error().message;
  EXPECT_EQ(findPath(*patched, {"spec", "replicas"})->as_int64(), 5);
  auto d = s.client().get("/apis/apps/v1/namespaces/default/deployments/web");
  EXPECT_EQ(findPath(*d, {"spec", "replicas"})->as_int64(), 5);
  auto bad = s.client().patch("/apis/apps/v1/namespaces/default/deployments/web/scale", PatchType::Merge,
                              json::object{{"spec", json::object{{"replicas", -1}}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, 422);
}

TEST(ApiServer, JobsSelectTheirPodsByUid) {
  TestApiServer s;
  json::value job = json::object{
      {"apiVersion", "batch/v1"},
      {"kind", "Job"},
      {"metadata", json::object{{"name", "once"}}},
      {"spec", json::object{{"template", json::object{{"spec", json::object{{"restartPolicy", "Never"},
                                                                            {"containers", json::array{json::object{{"name", "c"}, {"image", "busybox"}}}}}}}}}}};
  auto j = s.client().post("/apis/batch/v1/namespaces/default/jobs", job);
  ASSERT_TRUE(j.ok()) << j.error().message;
  std::string uid(stringAt(*j, {"metadata", "uid"}));
  EXPECT_EQ(stringAt(*j, {"spec", "selector", "matchLabels", "batch.kubernetes.io/controller-uid"}), uid);
  EXPECT_EQ(stringAt(*j, {"spec", "template", "metadata", "labels", "job-name"}), "once");
  EXPECT_EQ(findPath(*j, {"spec", "completions"})->as_int64(), 1);
  EXPECT_EQ(findPath(*j, {"spec", "backoffLimit"})->as_int64(), 6);
}

TEST(ApiServer, PropagationPoliciesSetFinalizers) {
  TestApiServer s;
  ASSERT_TRUE(s.client().post("/apis/apps/v1/namespaces/default/deployments", deployment("fg", 1)).ok());
  auto fg = s.client().del("/apis/apps/v1/namespaces/default/deployments/fg", json::object{{"propagationPolicy", "Foreground"}});
  ASSERT_TRUE(fg.ok()) << fg.error().message;
  auto d = s.client().get("/apis/apps/v1/namespaces/default/deployments/fg");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(toJson(*findPath(*d, {"metadata", "finalizers"})), R"(["foregroundDeletion"])");
  EXPECT_NE(findPath(*d, {"metadata", "deletionTimestamp"}), nullptr);
  // No new finalizers on an object being deleted.
  auto add = s.client().patch("/apis/apps/v1/namespaces/default/deployments/fg", PatchType::Merge,
                              json::object{{"metadata", json::object{{"finalizers", json::array{"foregroundDeletion", "x/y"}}}}});
  ASSERT_FALSE(add.ok());
  EXPECT_EQ(add.error().code, 422);
  EXPECT_NE(add.error().message.find("no new finalizers"), std::string::npos);
  ASSERT_TRUE(s.client().post("/apis/apps/v1/namespaces/default/deployments", deployment("bg", 1)).ok());
  ASSERT_TRUE(s.client().del("/apis/apps/v1/namespaces/default/deployments/bg", json::object{{"propagationPolicy", "Background"}}).ok());
  EXPECT_EQ(s.client().get("/apis/apps/v1/namespaces/default/deployments/bg").error().code, 404);
  auto bad = s.client().del("/apis/apps/v1/namespaces/default/deployments/fg", json::object{{"propagationPolicy", "Sideways"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, 422);
}

TEST(ApiServer, NamespaceTerminatesUntilFinalized) {
  TestApiServer s;
  ASSERT_TRUE(s.client().post("/api/v1/namespaces", json::object{{"metadata", json::object{{"name", "gone"}}}}).ok());
  ASSERT_TRUE(s.client().del("/api/v1/namespaces/gone").ok());
  auto ns = s.client().get("/api/v1/namespaces/gone");
  ASSERT_TRUE(ns.ok());
  EXPECT_EQ(stringAt(*ns, {"status", "phase"}), "Terminating");
  // No new content in a terminating namespace.
  auto cm = s.client().post("/api/v1/namespaces/gone/configmaps", json::object{{"metadata", json::object{{"name", "c"}}}});
  ASSERT_FALSE(cm.ok());
  EXPECT_EQ(cm.error().code, 403);
  json::value body = *ns;
  body.as_object()["spec"] = json::object{{"finalizers", json::array()}};
  ASSERT_TRUE(s.client().put("/api/v1/namespaces/gone/finalize", body).ok());
  EXPECT_EQ(s.client().get("/api/v1/namespaces/gone").error().code, 404);
}

TEST(ApiServer, EvictionHonoursDisruptionBudgets) {
  TestApiServer s;
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods", pod("p1", "n1")).ok());
  ASSERT_TRUE(s.client().patch("/api/v1/namespaces/default/pods/p1/status", PatchType::Merge,
                               json::object{{"status", json::object{{"phase", "Running"}}}}).ok());
  json::value pdb = json::object{{"apiVersion", "policy/v1"},
                                 {"kind", "PodDisruptionBudget"},
                                 {"metadata", json::object{{"name", "keep"}}},
                                 {"spec", json::object{{"minAvailable", 1},
                                                       {"selector", json::object{{"matchLabels", json::object{{"app", "x"}}}}}}}};
  ASSERT_TRUE(s.client().post("/apis/policy/v1/namespaces/default/poddisruptionbudgets", pdb).ok());
  json::value eviction = json::object{{"apiVersion", "policy/v1"}, {"kind", "Eviction"}, {"metadata", json::object{{"name", "p1"}}}};
  auto blocked = s.client().post("/api/v1/namespaces/default/pods/p1/eviction", eviction);
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, 429);
  EXPECT_EQ(blocked.error().message, "Cannot evict pod as it would violate the pod's disruption budget.");
  ASSERT_TRUE(s.client().patch("/apis/policy/v1/namespaces/default/poddisruptionbudgets/keep/status", PatchType::Merge,
                               json::object{{"status", json::object{{"disruptionsAllowed", 1}}}}).ok());
  ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/pods/p1/eviction", eviction).ok());
  auto p = s.client().get("/api/v1/namespaces/default/pods/p1");
  ASSERT_TRUE(p.ok());  // bound pods terminate gracefully
  EXPECT_NE(findPath(*p, {"metadata", "deletionTimestamp"}), nullptr);
  auto budget = s.client().get("/apis/policy/v1/namespaces/default/poddisruptionbudgets/keep");
  EXPECT_EQ(findPath(*budget, {"status", "disruptionsAllowed"})->as_int64(), 0);
}


TEST(ApiServer, ServicesGetUniqueClusterIPsThatStay) {
  TestApiServer s;
  auto k8s = s.client().get("/api/v1/namespaces/default/services/kubernetes");
  ASSERT_TRUE(k8s.ok());
  EXPECT_EQ(stringAt(*k8s, {"spec", "clusterIP"}), "10.96.0.1");
  json::value svc = json::object{{"metadata", json::object{{"name", "web"}}},
                                 {"spec", json::object{{"type", "NodePort"},
                                                       {"selector", json::object{{"app", "web"}}},
                                                       {"ports", json::array{json::object{{"port", 80}}}}}}};
  auto a = s.client().post("/api/v1/namespaces/default/services", svc);
  ASSERT_TRUE(a.ok()) << a.error().message;
  std::string ip(stringAt(*a, {"spec", "clusterIP"}));
  ASSERT_TRUE(Cidr::parse("10.96.0.0/12")->contains(*IpAddress::parse(ip)));
  EXPECT_NE(ip, "10.96.0.1");
  const auto& port = findPath(*a, {"spec", "ports"})->as_array()[0];
  EXPECT_GE(findPath(port, {"nodePort"})->as_int64(), 30000);
  EXPECT_EQ(findPath(port, {"targetPort"})->as_int64(), 80);
  // Replacing the Service with its manifest keeps the allocated addresses.
  json::value replacement = svc;
  replacement.as_object()["metadata"].as_object()["resourceVersion"] = std::string(stringAt(*a, {"metadata", "resourceVersion"}));
  auto r = s.client().put("/api/v1/namespaces/default/services/web", replacement);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(stringAt(*r, {"spec", "clusterIP"}), ip);
  auto moved = s.client().patch("/api/v1/namespaces/default/services/web", PatchType::Merge,
                                json::object{{"spec", json::object{{"clusterIP", "10.96.0.99"}}}});
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code, 422);
  json::value taken = json::object{{"metadata", json::object{{"name", "dup"}}},
                                   {"spec", json::object{{"clusterIP", ip}, {"ports", json::array{json::object{{"port", 80}}}}}}};
  auto dup = s.client().post("/api/v1/namespaces/default/services", taken);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("already allocated"), std::string::npos);
}

TEST(ApiServer, AccessReviewsAreAnsweredNotStored) {
  TestApiServer s;
  json::value ssar = json::object{{"apiVersion", "authorization.k8s.io/v1"},
                                  {"kind", "SelfSubjectAccessReview"},
                                  {"spec", json::object{{"resourceAttributes", json::object{{"verb", "create"}, {"resource", "pods"}}}}}};
  auto r = s.client().post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ssar);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(findPath(*r, {"status", "allowed"})->as_bool());
  EXPECT_EQ(stringAt(*r, {"spec", "resourceAttributes", "verb"}), "create");
  auto who = s.client().post("/apis/authentication.k8s.io/v1/selfsubjectreviews",
                             json::object{{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}});
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(stringAt(*who, {"status", "userInfo", "username"}), "system:anonymous");  // plain HTTP: no identity
  auto list = s.client().get("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().code, 405);
}


TEST(ApiServer, ListsPageWithContinueTokens) {
  TestApiServer s;
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(s.client().post("/api/v1/namespaces/default/configmaps",
                                json::object{{"metadata", json::object{{"name", "cm" + std::to_string(i)}}}}).ok());
  std::vector<std::string> names;
  std::string token, firstRv;
  for (int page = 0; page < 5; ++page) {
    std::string url = "/api/v1/namespaces/default/configmaps?limit=2";
    if (!token.empty()) url += "&continue=" + net::percentEncode(token);
    auto l = s.client().get(url);
    ASSERT_TRUE(l.ok()) << l.error().message;
    for (const auto& item : *arrayAt(*l, {"items"})) names.emplace_back(stringAt(item, {"metadata", "name"}));
    if (firstRv.empty()) firstRv = stringAt(*l, {"metadata", "resourceVersion"});
    EXPECT_EQ(stringAt(*l, {"metadata", "resourceVersion"}), firstRv);
    token = stringAt(*l, {"metadata", "continue"});
    if (page == 0) {
      EXPECT_EQ(findPath(*l, {"metadata", "remainingItemCount"})->as_int64(), 3);
    }
    if (token.empty()) break;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"cm0", "cm1", "cm2", "cm3", "cm4"}));
  auto bad = s.client().get("/api/v1/namespaces/default/configmaps?limit=2&continue=not-a-token");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, 400);
  EXPECT_NE(bad.error().message.find("continue key is not valid"), std::string::npos);
}


TEST(ApiServer, OversizedBodiesAreRejected) {
  TestApiServer s;
  std::string big(4 * 1024 * 1024, 'a');
  auto r = s.client().post("/api/v1/namespaces/default/configmaps",
                           json::object{{"metadata", json::object{{"name", "big"}}}, {"data", json::object{{"a", big}}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 413);
  EXPECT_EQ(r.error().message, "Request entity too large: limit is 3145728");
  EXPECT_TRUE(s.client().get("/api/v1/namespaces/default/configmaps").ok());  // still serving
}


json::value widgetCrd() {
  auto doc = yamlToJson(R"(
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wdg]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    subresources: {status: {}}
  - name: v1beta1
    served: true
    storage: false
)");
  return *doc;
}

TEST(ApiServer, CustomResourceDefinitionsServeTheirResources) {
  TestApiServer s;
  auto crd = s.client().post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd());
  ASSERT_TRUE(crd.ok()) << crd.error().message;
  bool established = false;
  for (const auto& c : *arrayAt(*crd, {"status", "conditions"}))
    if (stringAt(c, {"type"}) == "Established" && stringAt(c, {"status"}) == "True") established = true;
  EXPECT_TRUE(established);
  auto disc = s.client().get("/apis/example.com/v1");
  ASSERT_TRUE(disc.ok()) << disc.error().message;
  EXPECT_NE(toJson(*disc).find("\"widgets/status\""), std::string::npos);

  json::value w = json::object{{"apiVersion", "example.com/v1"},
                               {"kind", "Widget"},
                               {"metadata", json::object{{"name", "w1"}}},
                               {"spec", json::object{{"size", 7}, {"color", "red"}}}};
  auto created = s.client().post("/apis/example.com/v1/namespaces/default/widgets", w);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(findPath(*created, {"spec", "color"}), nullptr);  // pruned: not in the schema
  auto old = s.client().get("/apis/example.com/v1beta1/namespaces/default/widgets/w1");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(stringAt(*old, {"apiVersion"}), "example.com/v1beta1");
  json::value bad = w;
  bad.as_object()["metadata"].as_object()["name"] = "w2";
  bad.as_object()["spec"].as_object()["size"] = "big";
  auto rejected = s.client().post("/apis/example.com/v1/namespaces/default/widgets", bad);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().code, 422);
  EXPECT_NE(rejected.error().message.find("spec.size in body must be of type integer"), std::string::npos);

  ASSERT_TRUE(s.client().del("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com").ok());
  EXPECT_EQ(s.client().get("/apis/example.com/v1/namespaces/default/widgets/w1").error().code, 404);
  EXPECT_EQ(s.client().get("/apis/example.com/v1").error().code, 404);
  // Recreating the CRD does not bring the old objects back.
  ASSERT_TRUE(s.client().post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd()).ok());
  auto list = s.client().get("/apis/example.com/v1/widgets");
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(arrayAt(*list, {"items"})->empty());
}

// The Status body a request is answered with (the RestClient keeps only its
// code, reason and message).
json::value answer(TestApiServer& s, std::string_view method, std::string_view path, const json::value& body,
                   std::string contentType = "application/json") {
  net::ClientOptions opts;
  opts.url = s.url();
  auto http = net::HttpClient::create(opts);
  auto resp = (*http)->request(method, path, {{"Content-Type", std::move(contentType)}}, toJson(body));
  if (!resp) return json::string(resp.error().message);
  auto v = parseJson(resp->body);
  return v ? *v : json::value(resp->body);
}

std::string detailsOf(const json::value& status) {
  const json::value* d = findPath(status, {"details"});
  return d ? toJson(*d) : "no details in " + toJson(status);
}

json::value cause(std::string reason, std::string message, std::string field) {
  return json::object{{"reason", std::move(reason)}, {"message", std::move(message)}, {"field", std::move(field)}};
}

// As kube's NewInvalid: details name the Kind and its group (not the
// resource) and list one cause per field error, which kubectl prints.
TEST(ApiServer, InvalidStatusNamesTheKindAndListsCauses) {
  TestApiServer s;
  json::value noContainers = pod("p");
  noContainers.as_object()["spec"].as_object().erase("containers");
  EXPECT_EQ(toJson(answer(s, "POST", "/api/v1/namespaces/default/pods", noContainers)),
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
            R"("message":"Pod \"p\" is invalid: spec.containers: Required value","reason":"Invalid",)"
            R"("details":{"name":"p","kind":"Pod","causes":[)"
            R"({"reason":"FieldValueRequired","message":"Required value","field":"spec.containers"}]},"code":422})");

  // Several errors: the message lists them, each is a cause.
  json::value badName = pod("Bad_Name");
  auto& containers = badName.as_object()["spec"].as_object()["containers"].as_array();
  containers.push_back(containers[0]);
  auto status = answer(s, "POST", "/api/v1/namespaces/default/pods", badName);
  EXPECT_EQ(stringAt(status, {"message"}).substr(0, 56), "Pod \"Bad_Name\" is invalid: [metadata.name: Invalid value");
  EXPECT_NE(stringAt(status, {"message"}).find(", spec.containers[1].name: Duplicate value: \"c\"]"), std::string::npos)
      << stringAt(status, {"message"});
  const json::array* causes = arrayAt(status, {"details", "causes"});
  ASSERT_TRUE(causes && causes->size() == 2) << toJson(status);
  EXPECT_EQ(stringAt((*causes)[0], {"reason"}), "FieldValueInvalid");
  EXPECT_EQ(stringAt((*causes)[0], {"field"}), "metadata.name");
  EXPECT_TRUE(stringAt((*causes)[0], {"message"}).starts_with("Invalid value: \"Bad_Name\": a lowercase RFC 1123"));
  EXPECT_EQ((*causes)[1], cause("FieldValueDuplicate", "Duplicate value: \"c\"", "spec.containers[1].name"));

  // A request naming the object (here a server-side apply) names the Kind too.
  json::value mismatched = deployment("d", 1);
  mismatched.as_object()["spec"].as_object()["template"].as_object()["metadata"].as_object()["labels"] =
      json::object{{"app", "b"}};
  status = answer(s, "PATCH", "/apis/apps/v1/namespaces/default/deployments/d?fieldManager=test", mismatched,
                  "application/apply-patch+yaml");
  EXPECT_EQ(stringAt(status, {"reason"}), "Invalid") << toJson(status);
  EXPECT_EQ(detailsOf(status),
            toJson(json::object{{"name", "d"},
                                {"group", "apps"},
                                {"kind", "Deployment"},
                                {"causes", json::array{cause("FieldValueInvalid",
                                                             "Invalid value: map[string]string{\"app\":\"b\"}: "
                                                             "`selector` does not match template `labels`",
                                                             "spec.template.metadata.labels")}}}));

  // Immutable fields are invalid values.
  auto crd = s.client().post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd());
  ASSERT_TRUE(crd.ok()) << crd.error().message;
  crd->as_object()["spec"].as_object()["scope"] = "Cluster";
  status = answer(s, "PUT", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com", *crd);
  EXPECT_EQ(stringAt(status, {"message"}),
            "CustomResourceDefinition.apiextensions.k8s.io \"widgets.example.com\" is invalid: spec.scope: Invalid "
            "value: \"Cluster\": field is immutable");
  EXPECT_EQ(detailsOf(status),
            toJson(json::object{
                {"name", "widgets.example.com"},
                {"group", "apiextensions.k8s.io"},
                {"kind", "CustomResourceDefinition"},
                {"causes", json::array{cause("FieldValueInvalid", "Invalid value: \"Cluster\": field is immutable",
                                             "spec.scope")}}}));

  // A custom object of the wrong type names its CRD's kind.
  json::value widget = json::object{{"apiVersion", "example.com/v1"},
                                    {"kind", "Widget"},
                                    {"metadata", json::object{{"name", "w"}}},
                                    {"spec", json::object{{"size", "big"}}}};
  status = answer(s, "POST", "/apis/example.com/v1/namespaces/default/widgets", widget);
  EXPECT_EQ(detailsOf(status),
            toJson(json::object{{"name", "w"},
                                {"group", "example.com"},
                                {"kind", "Widget"},
                                {"causes", json::array{cause("FieldValueTypeInvalid",
                                                             "Invalid value: \"string\": spec.size in body must be of "
                                                             "type integer: \"string\"",
                                                             "spec.size")}}}));

  // An unsupported value of DeleteOptions names DeleteOptions, without a name.
  ASSERT_TRUE(
      s.client()
          .post("/api/v1/namespaces/default/configmaps", json::object{{"metadata", json::object{{"name", "c"}}}})
          .ok());
  status =
      answer(s, "DELETE", "/api/v1/namespaces/default/configmaps/c", json::object{{"propagationPolicy", "Sideways"}});
  EXPECT_EQ(detailsOf(status),
            toJson(json::object{{"group", "meta.k8s.io"},
                                {"kind", "DeleteOptions"},
                                {"causes", json::array{cause("FieldValueNotSupported",
                                                             "Unsupported value: \"Sideways\": supported values: "
                                                             "\"Foreground\", \"Background\", \"Orphan\"",
                                                             "propagationPolicy")}}}));

  // Other errors keep naming the resource, as kube's do.
  status = answer(s, "GET", "/apis/apps/v1/namespaces/default/deployments/nope", nullptr);
  EXPECT_EQ(detailsOf(status), R"({"name":"nope","kind":"deployments","group":"apps"})");
}

TEST(ApiServer, PriorityAdmissionResolvesClasses) {
  TestApiServer s;
  ASSERT_TRUE(s.client().post("/apis/scheduling.k8s.io/v1/priorityclasses",
                              json::object{{"metadata", json::object{{"name", "high"}}}, {"value", 1000}}).ok());
  json::value p = pod("p1");
  p.as_object()["spec"].as_object()["priorityClassName"] = "high";
  auto created = s.client().post("/api/v1/namespaces/default/pods", p);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(findPath(*created, {"spec", "priority"})->as_int64(), 1000);
  EXPECT_EQ(stringAt(*created, {"spec", "serviceAccountName"}), "default");
  json::value missing = pod("p2");
  missing.as_object()["spec"].as_object()["priorityClassName"] = "nope";
  auto rejected = s.client().post("/api/v1/namespaces/default/pods", missing);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().code, 403);
  EXPECT_EQ(rejected.error().message, "pods \"p2\" is forbidden: no PriorityClass with name nope was found");
}

TEST(ApiServer, LimitRangesDefaultAndBoundContainers) {
  TestApiServer s;
  // The LimitRange of upstream kwok's limit-range example.
  json::value lr = json::object{{"metadata", json::object{{"name", "cpu-resource-constraint"}}},
                                {"spec", json::object{{"limits", json::array{json::object{
                                                                     {"max", json::object{{"cpu", "500m"}}},
                                                                     {"min", json::object{{"cpu", "100m"}}},
                                                                     {"type", "Container"}}}}}}};
  auto stored = s.client().post("/api/v1/namespaces/default/limitranges", lr);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ(stringAt(findPath(*stored, {"spec", "limits"})->as_array()[0], {"default", "cpu"}), "500m");
  auto withCpu = [&](std::string name, std::string cpu) {
    json::value p = pod(std::move(name));
    p.as_object()["spec"].as_object()["containers"].as_array()[0].as_object()["resources"] =
        json::object{{"requests", json::object{{"cpu", cpu}}}};
    return s.client().post("/api/v1/namespaces/default/pods", p);
  };
  auto beyond = withCpu("pod-beyond-limit", "700m");
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.error().code, 422);
  EXPECT_NE(beyond.error().message.find("Invalid value: \"700m\": must be less than or equal to cpu limit of 500m"),
            std::string::npos)
      << beyond.error().message;
  auto within = withCpu("pod-within-limit", "400m");
  ASSERT_TRUE(within.ok()) << within.error().message;
  const auto& c = findPath(*within, {"spec", "containers"})->as_array()[0];
  EXPECT_EQ(stringAt(c, {"resources", "limits", "cpu"}), "500m");
  auto tooSmall = withCpu("tiny", "50m");
  ASSERT_FALSE(tooSmall.ok());
  EXPECT_EQ(tooSmall.error().message, "pods \"tiny\" is forbidden: minimum cpu usage per Container is 100m, but request is 50m");
}


TEST(ApiServer, AdminApiWritesRawObjectsAndSnapshots) {
  TestApiServer s;
  json::value raw = json::object{{"apiVersion", "v1"},
                                 {"kind", "ConfigMap"},
                                 {"metadata", json::object{{"name", "raw"}, {"namespace", "default"}, {"uid", "fixed-uid"}}},
                                 {"data", json::object{{"a", "b"}}}};
  ASSERT_TRUE(s.client().put("/kwok/v1/objects?resource=configmaps&namespace=default&name=raw", raw).ok());
  auto got = s.client().get("/api/v1/namespaces/default/configmaps/raw");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(stringAt(*got, {"metadata", "uid"}), "fixed-uid");  // stored as given
  auto stored = s.client().get("/kwok/v1/objects?resource=configmaps&namespace=default&name=raw");
  ASSERT_TRUE(stored.ok());
  net::ClientOptions opts;
  opts.url = s.url();
  auto http = net::HttpClient::create(opts);
  auto snap = (*http)->request("GET", "/kwok/v1/snapshot");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->status, 200);
  EXPECT_TRUE(snap->body.starts_with("SQLite format 3")) << snap->body.substr(0, 20);
  ASSERT_TRUE(s.client().del("/kwok/v1/objects?resource=configmaps&namespace=default&name=raw").ok());
  EXPECT_EQ(s.client().get("/api/v1/namespaces/default/configmaps/raw").error().code, 404);
}

}  // namespace
}  // namespace kwok::testing
