#include "api/types/registry.h"

#include <gtest/gtest.h>

#include <set>

#include "api/catalog.h"

namespace kwok::api::types {
namespace {

using api::Catalog;

TEST(TypeRegistry, BuiltinParsesAndResolves) {
  const auto& r = TypeRegistry::builtin();
  EXPECT_GT(r.messageCount(), 350u);
  EXPECT_GT(r.fieldCount(), 1500u);
  for (const auto& k : r.kinds()) {
    ASSERT_NE(k.message, nullptr) << k.kind;
    EXPECT_EQ(k.message->format, Format::Object) << k.kind;
  }
}

// The built-in kinds, by (apiVersion, kind).
TEST(TypeRegistry, ServesTheBuiltinKinds) {
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"v1", "Namespace"},
      {"v1", "Node"},
      {"v1", "Pod"},
      {"v1", "Service"},
      {"v1", "Endpoints"},
      {"v1", "Event"},
      {"v1", "ConfigMap"},
      {"v1", "Secret"},
      {"v1", "ServiceAccount"},
      {"v1", "PersistentVolume"},
      {"v1", "PersistentVolumeClaim"},
      {"v1", "ReplicationController"},
      {"v1", "LimitRange"},
      {"v1", "ResourceQuota"},
      {"v1", "PodTemplate"},
      {"v1", "Binding"},
      {"apps/v1", "Deployment"},
      {"apps/v1", "ReplicaSet"},
      {"apps/v1", "StatefulSet"},
      {"apps/v1", "DaemonSet"},
      {"apps/v1", "ControllerRevision"},
      {"batch/v1", "Job"},
      {"batch/v1", "CronJob"},
      {"coordination.k8s.io/v1", "Lease"},
      {"events.k8s.io/v1", "Event"},
      {"policy/v1", "PodDisruptionBudget"},
      {"policy/v1", "Eviction"},
      {"autoscaling/v1", "Scale"},
      {"autoscaling/v1", "HorizontalPodAutoscaler"},
      {"autoscaling/v2", "HorizontalPodAutoscaler"},
      {"discovery.k8s.io/v1", "EndpointSlice"},
      {"networking.k8s.io/v1", "Ingress"},
      {"networking.k8s.io/v1", "IngressClass"},
      {"networking.k8s.io/v1", "NetworkPolicy"},
      {"rbac.authorization.k8s.io/v1", "Role"},
      {"rbac.authorization.k8s.io/v1", "ClusterRole"},
      {"rbac.authorization.k8s.io/v1", "RoleBinding"},
      {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding"},
      {"storage.k8s.io/v1", "StorageClass"},
      {"storage.k8s.io/v1", "CSIDriver"},
      {"storage.k8s.io/v1", "CSINode"},
      {"storage.k8s.io/v1", "VolumeAttachment"},
      {"storage.k8s.io/v1", "CSIStorageCapacity"},
      {"scheduling.k8s.io/v1", "PriorityClass"},
      {"authentication.k8s.io/v1", "TokenReview"},
      {"authentication.k8s.io/v1", "SelfSubjectReview"},
      {"authentication.k8s.io/v1", "TokenRequest"},
      {"authorization.k8s.io/v1", "SubjectAccessReview"},
      {"authorization.k8s.io/v1", "SelfSubjectAccessReview"},
      {"authorization.k8s.io/v1", "LocalSubjectAccessReview"},
      {"authorization.k8s.io/v1", "SelfSubjectRulesReview"},
      {"apiextensions.k8s.io/v1", "CustomResourceDefinition"},
      {"admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"},
      {"admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"},
      {"admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy"},
      {"admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding"},
      {"apiregistration.k8s.io/v1", "APIService"},
  };
  const auto& r = TypeRegistry::builtin();
  for (const auto& [av, kind] : kinds) EXPECT_NE(r.kind(av, kind), nullptr) << av << " " << kind;
  EXPECT_EQ(r.kind("apps", "v1", "Deployment"), r.kind("apps/v1", "Deployment"));
  EXPECT_EQ(r.kind("", "v1", "Pod"), r.kind("v1", "Pod"));
  EXPECT_EQ(r.kind("v1", "Deployment"), nullptr);
  EXPECT_EQ(r.kind("apps/v1", "Nope"), nullptr);
  // The two Events are different messages.
  EXPECT_EQ(r.kind("v1", "Event")->name, "core/v1.Event");
  EXPECT_EQ(r.kind("events.k8s.io/v1", "Event")->name, "events/v1.Event");
}

// Every Kubernetes kind the API catalog serves has a schema; KWOK's own
// kinds are custom resources upstream, which never travel as protobuf.
TEST(TypeRegistry, CoversTheCatalog) {
  const auto& r = TypeRegistry::builtin();
  for (const auto& res : Catalog::builtin().resources()) {
    if (res.group.ends_with(".x-k8s.io")) continue;
    EXPECT_NE(r.kind(res.group, res.version, res.kind), nullptr) << res.groupVersion() << " " << res.kind;
  }
}

TEST(TypeRegistry, DeleteOptionsIsInEveryGroupVersion) {
  const auto& r = TypeRegistry::builtin();
  const Message* m = r.message("meta/v1.DeleteOptions");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(r.kind("v1", "DeleteOptions"), m);
  EXPECT_EQ(r.kind("apps/v1", "DeleteOptions"), m);
  EXPECT_EQ(r.kind("meta.k8s.io/v1", "DeleteOptions"), m);
}

TEST(TypeRegistry, FieldFacts) {
  const auto& r = TypeRegistry::builtin();
  const Message* spec = r.message("apps/v1.DeploymentSpec");
  ASSERT_NE(spec, nullptr);
  const Field* replicas = spec->field(1);
  ASSERT_NE(replicas, nullptr);
  EXPECT_EQ(replicas->json, "replicas");
  EXPECT_EQ(replicas->label, Label::Pointer);
  EXPECT_EQ(replicas->type, Scalar::Int32);
  EXPECT_TRUE(replicas->omitEmpty);
  const Field* selector = spec->field(2);
  EXPECT_EQ(selector->json, "selector");
  EXPECT_FALSE(selector->omitEmpty);
  EXPECT_EQ(selector->message, r.message("meta/v1.LabelSelector"));
  EXPECT_EQ(spec->field(8), nullptr);  // never assigned

  const Message* secret = r.message("core/v1.Secret");
  const Field* data = secret->field(2);
  EXPECT_EQ(data->json, "data");
  EXPECT_EQ(data->label, Label::Map);
  EXPECT_EQ(data->type, Scalar::Bytes);

  const Message* volume = r.message("core/v1.Volume");
  EXPECT_TRUE(volume->field(2)->inlined());
  EXPECT_EQ(volume->field(2)->message, r.message("core/v1.VolumeSource"));

  EXPECT_EQ(r.message("meta/v1.Time")->format, Format::Time);
  EXPECT_EQ(r.message("meta/v1.MicroTime")->format, Format::MicroTime);
  EXPECT_EQ(r.message("meta/v1.Duration")->format, Format::Duration);
  EXPECT_EQ(r.message("resource.Quantity")->format, Format::Quantity);
  EXPECT_EQ(r.message("intstr.IntOrString")->format, Format::IntOrString);
  EXPECT_EQ(r.message("runtime.RawExtension")->format, Format::RawJson);
  EXPECT_EQ(r.message("apiextensions/v1.JSONSchemaPropsOrBool")->format, Format::SchemaOrBool);
  // JSON names the way Kubernetes spells them.
  const Message* props = r.message("apiextensions/v1.JSONSchemaProps");
  EXPECT_EQ(props->field(3)->json, "$ref");
  EXPECT_EQ(props->field(38)->json, "x-kubernetes-preserve-unknown-fields");
}

// Within a message (inlined structs included) JSON names are unique, so
// later lookups by JSON name (strict field validation) are unambiguous.
TEST(TypeRegistry, JsonNamesAreUniqueAfterInlining) {
  const auto& r = TypeRegistry::builtin();
  for (const auto& k : r.kinds()) {
    std::vector<const Message*> todo{k.message};
    std::set<const Message*> seen;
    while (!todo.empty()) {
      const Message* m = todo.back();
      todo.pop_back();
      if (!seen.insert(m).second || m->format != Format::Object) continue;
      std::set<std::string> names;
      std::vector<const Message*> flat{m};
      for (std::size_t i = 0; i < flat.size(); ++i)
        for (const auto& f : flat[i]->fields) {
          if (f.inlined()) {
            flat.push_back(f.message);
            continue;
          }
          EXPECT_TRUE(names.insert(f.json).second) << m->name << "." << f.json;
          if (f.message) todo.push_back(f.message);
        }
    }
  }
}

TEST(TypeRegistry, ParseErrorsNameTheLine) {
  auto bad = [](std::string_view text) {
    auto r = TypeRegistry::parse({text});
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? std::string() : r.error().message;
  };
  EXPECT_NE(bad("package p p/v1\nkind A\n  x 1 Missing\n").find("unknown type p.Missing"), std::string::npos);
  EXPECT_NE(bad("package p p/v1\nkind A\n  x 1 string\n  y 1 string\n").find("line 4: duplicate field number"),
            std::string::npos);
  EXPECT_NE(bad("package p p/v1\nkind A\n  x 1 string\n  x 2 string\n").find("duplicate json name"), std::string::npos);
  EXPECT_NE(bad("  x 1 string\n").find("a field outside a message"), std::string::npos);
  EXPECT_NE(bad("package p -\nkind A\n").find("without apiVersion"), std::string::npos);
  EXPECT_NE(bad("package p p/v1\nmessage A format=nope\n").find("unknown option"), std::string::npos);
  EXPECT_NE(bad("package p p/v1\nmessage A\n  (inline) 1 *B\nmessage B\n").find("only a struct can be inlined"),
            std::string::npos);
  EXPECT_NE(bad("package p p/v1\nmessage A\n  x 0 string\n").find("field numbers run from 1"), std::string::npos);
}

TEST(TypeRegistry, ParsesAcrossSources) {
  auto r = TypeRegistry::parse({"package a a/v1\nkind A\n  b,omitempty 1 *b.B\n", "# b\npackage b -\nmessage B\n"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Message* a = r->kind("a/v1", "A");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->fields[0].message, r->message("b.B"));
  EXPECT_TRUE(a->fields[0].omitEmpty);
}

}  // namespace
}  // namespace kwok::api::types
