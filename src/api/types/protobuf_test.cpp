#include "api/types/protobuf.h"

#include <gtest/gtest.h>

namespace kwok::api::types {
namespace {

// Builds protobuf bytes by hand, the way gogo-protobuf writes them.
class Pb {
 public:
  Pb& varint(int field, std::uint64_t v) {
    key(field, 0);
    raw(v);
    return *this;
  }
  Pb& bytes(int field, std::string_view s) {
    key(field, 2);
    raw(s.size());
    out_ += s;
    return *this;
  }
  Pb& msg(int field, const Pb& m) { return bytes(field, m.out_); }
  Pb& entry(int field, std::string_view k, std::string_view v) { return msg(field, Pb().bytes(1, k).bytes(2, v)); }
  Pb& entry(int field, std::string_view k, const Pb& v) { return msg(field, Pb().bytes(1, k).msg(2, v)); }
  Pb& fixed64(int field, std::uint64_t v) {
    key(field, 1);
    for (int i = 0; i < 8; ++i) out_ += static_cast<char>(v >> (8 * i));
    return *this;
  }
  const std::string& str() const { return out_; }

  void key(int field, int wire) { raw(std::uint64_t(field) << 3 | wire); }
  void raw(std::uint64_t v) {
    do {
      out_ += static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
      v >>= 7;
    } while (v);
  }

 private:
  std::string out_;
};

// The body client-go sends: magic + runtime.Unknown, whose empty
// contentEncoding and contentType gogo still writes.
std::string body(std::string_view apiVersion, std::string_view kind, const Pb& raw) {
  return std::string("k8s\0", 4) +
         Pb().msg(1, Pb().bytes(1, apiVersion).bytes(2, kind)).msg(2, raw).bytes(3, "").bytes(4, "").str();
}

// ObjectMeta as gogo writes it: every non-pointer field, zero or not, and
// an empty creationTimestamp.
Pb meta(std::string_view name, std::string_view ns = "") {
  return Pb().bytes(1, name).bytes(2, "").bytes(3, ns).bytes(4, "").bytes(5, "").bytes(6, "").varint(7, 0).msg(8, Pb());
}

json::value decoded(const std::string& b, std::vector<std::string>* unknown = nullptr) {
  auto v = decodeKubernetesProtobuf(b, TypeRegistry::builtin(), unknown);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
  return v.ok() ? *v : json::value();
}

json::value expected(std::string_view text) {
  auto v = parseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : json::value();
}

std::string errorOf(const std::string& b) {
  auto v = decodeKubernetesProtobuf(b, TypeRegistry::builtin());
  EXPECT_FALSE(v.ok()) << toJson(*v);
  if (v.ok()) return "";
  EXPECT_EQ(v.error().code, 400);
  EXPECT_EQ(v.error().reason, "BadRequest");
  return v.error().message;
}

TEST(Protobuf, ConfigMap) {
  auto b = body("v1", "ConfigMap", Pb().msg(1, meta("x", "default")).entry(2, "z", "y").entry(2, "a", "b"));
  // Exact bytes: kind and apiVersion first, map keys sorted.
  EXPECT_EQ(toJson(decoded(b)), R"({"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x","namespace":"default",)"
                                R"("creationTimestamp":null},"data":{"a":"b","z":"y"}})");
}

TEST(Protobuf, SecretBytesAreBase64) {
  auto b = body("v1", "Secret",
                Pb().msg(1, meta("s"))
                    .entry(2, "k", std::string_view("\0\xffhi", 4))
                    .entry(2, "empty", "")
                    .msg(2, Pb().bytes(1, "nil"))  // gogo leaves a nil value out
                    .entry(4, "plain", "text")
                    .bytes(3, "Opaque"));
  EXPECT_EQ(decoded(b), expected(R"({"kind":"Secret","apiVersion":"v1",
      "metadata":{"name":"s","creationTimestamp":null},
      "data":{"k":"AP9oaQ==","empty":"","nil":null},"stringData":{"plain":"text"},"type":"Opaque"})"));
}

TEST(Protobuf, NamespaceStructsAreAlwaysWritten) {
  auto want = expected(R"({"kind":"Namespace","apiVersion":"v1",
      "metadata":{"name":"ns1","creationTimestamp":null},"spec":{},"status":{}})");
  EXPECT_EQ(decoded(body("v1", "Namespace", Pb().msg(1, meta("ns1")).msg(2, Pb()).msg(3, Pb()))), want);
  // Absent structs are Go zero values, which encoding/json still writes.
  EXPECT_EQ(decoded(body("v1", "Namespace", Pb().msg(1, Pb().bytes(1, "ns1")))), want);
}

Pb deploymentSpec(bool withReplicas) {
  Pb container;
  container.bytes(1, "nginx")
      .bytes(2, "nginx")
      .msg(8, Pb().entry(1, "cpu", Pb().bytes(1, "0.5")).entry(2, "memory", Pb().bytes(1, "64Mi")))
      .bytes(13, "")  // terminationMessagePath: zero, omitempty
      .bytes(14, "")
      .varint(16, 0);  // stdin
  Pb podSpec;
  podSpec.msg(2, container).bytes(3, "");  // restartPolicy "" must stay out, for defaulting
  Pb spec;
  if (withReplicas) spec.varint(1, 0);
  spec.msg(2, Pb().entry(1, "app", "web"))
      .msg(3, Pb().msg(1, Pb().msg(8, Pb()).entry(11, "app", "web")).msg(2, podSpec))
      .msg(4, Pb().bytes(1, "RollingUpdate")
                  .msg(2, Pb().msg(1, Pb().varint(1, 0).varint(2, 1).bytes(3, ""))
                              .msg(2, Pb().varint(1, 1).varint(2, 0).bytes(3, "25%"))))
      .varint(5, 0)
      .varint(7, 0);
  return spec;
}

TEST(Protobuf, Deployment) {
  std::string want = R"({"kind":"Deployment","apiVersion":"apps/v1",
      "metadata":{"name":"web","creationTimestamp":null},
      "spec":{REPLICAS"selector":{"matchLabels":{"app":"web"}},
        "template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},
          "spec":{"containers":[{"name":"nginx","image":"nginx",
            "resources":{"limits":{"cpu":"500m"},"requests":{"memory":"64Mi"}}}]}},
        "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":"25%"}}},
      "status":{}})";
  auto with = want, without = want;
  with.replace(with.find("REPLICAS"), 8, R"("replicas":0,)");
  without.replace(without.find("REPLICAS"), 8, "");
  // replicas is a *int32: present as 0 means 0; absent lets defaulting pick 1.
  EXPECT_EQ(decoded(body("apps/v1", "Deployment", Pb().msg(1, meta("web")).msg(2, deploymentSpec(true)).msg(3, Pb()))),
            expected(with));
  EXPECT_EQ(decoded(body("apps/v1", "Deployment", Pb().msg(1, meta("web")).msg(2, deploymentSpec(false)))),
            expected(without));
}

TEST(Protobuf, PodTimesAndZeroValues) {
  Pb container;
  container.bytes(1, "c").msg(6, Pb().bytes(1, "").varint(2, 0).varint(3, 0).bytes(4, "TCP").bytes(5, ""));
  Pb m = meta("p", "default");
  m.msg(9, Pb());  // deletionTimestamp: a non-nil pointer to the zero time
  auto b = body("v1", "Pod",
                Pb().msg(1, m.msg(8, Pb().varint(1, 1700000000).varint(2, 999)))  // a second creationTimestamp merges
                    .msg(2, Pb().msg(2, container).bytes(3, "").bytes(6, "").varint(11, 0))
                    .msg(3, Pb().bytes(1, "Pending").msg(7, Pb().varint(1, 1700000060))));
  EXPECT_EQ(decoded(b), expected(R"({"kind":"Pod","apiVersion":"v1",
      "metadata":{"name":"p","namespace":"default","creationTimestamp":"2023-11-14T22:13:20Z",
        "deletionTimestamp":null},
      "spec":{"containers":[{"name":"c","ports":[{"containerPort":0,"protocol":"TCP"}],"resources":{}}]},
      "status":{"phase":"Pending","startTime":"2023-11-14T22:14:20Z"}})"));
}

TEST(Protobuf, MicroTimeKeepsMicroseconds) {
  auto b = body("events.k8s.io/v1", "Event",
                Pb().msg(1, meta("e", "default"))
                    .msg(2, Pb().varint(1, 1700000000).varint(2, 123456789))
                    .bytes(4, "kwok")
                    .bytes(5, "kwok-1"));
  EXPECT_EQ(decoded(b), expected(R"({"kind":"Event","apiVersion":"events.k8s.io/v1",
      "metadata":{"name":"e","namespace":"default","creationTimestamp":null},
      "eventTime":"2023-11-14T22:13:20.123456Z","reportingController":"kwok","reportingInstance":"kwok-1",
      "regarding":{},"deprecatedSource":{},"deprecatedFirstTimestamp":null,"deprecatedLastTimestamp":null})"));
}

TEST(Protobuf, ServiceTargetPortIsAlwaysWritten) {
  Pb port;
  port.bytes(1, "").bytes(2, "TCP").varint(3, 80).msg(4, Pb().varint(1, 0).varint(2, 0).bytes(3, "")).varint(5, 0);
  auto b = body("v1", "Service", Pb().msg(1, meta("svc")).msg(2, Pb().msg(1, port).bytes(4, "ClusterIP")));
  EXPECT_EQ(decoded(b), expected(R"({"kind":"Service","apiVersion":"v1",
      "metadata":{"name":"svc","creationTimestamp":null},
      "spec":{"ports":[{"protocol":"TCP","port":80,"targetPort":0}],"type":"ClusterIP"},
      "status":{"loadBalancer":{}}})"));
}

TEST(Protobuf, DeleteOptionsInAnyGroupVersion) {
  Pb opts;
  opts.varint(1, 0).msg(2, Pb().bytes(1, "123")).bytes(4, "Background").bytes(5, "All");
  auto want = R"({"kind":"DeleteOptions","apiVersion":"AV","gracePeriodSeconds":0,
      "preconditions":{"uid":"123"},"propagationPolicy":"Background","dryRun":["All"]})";
  for (std::string av : {"v1", "apps/v1", "meta.k8s.io/v1"}) {
    std::string w = want;
    w.replace(w.find("AV"), 2, av);
    EXPECT_EQ(decoded(body(av, "DeleteOptions", opts)), expected(w)) << av;
  }
}

TEST(Protobuf, SelfSubjectAccessReview) {
  Pb attrs;
  attrs.bytes(1, "default").bytes(2, "create").bytes(3, "").bytes(4, "").bytes(5, "pods").bytes(6, "").bytes(7, "");
  auto b = body("authorization.k8s.io/v1", "SelfSubjectAccessReview",
                Pb().msg(1, meta("")).msg(2, Pb().msg(1, attrs)).msg(3, Pb().varint(1, 0).bytes(2, "")));
  EXPECT_EQ(decoded(b), expected(R"({"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1",
      "metadata":{"creationTimestamp":null},
      "spec":{"resourceAttributes":{"namespace":"default","verb":"create","resource":"pods"}},
      "status":{"allowed":false}})"));
}

TEST(Protobuf, RepeatedNumbersPackedOrNot) {
  Pb packed;
  packed.raw(1);
  packed.raw(300);
  Pb podSpec;
  podSpec.msg(14, Pb().msg(4, packed).varint(4, 7));  // securityContext.supplementalGroups
  auto b = body("v1", "Pod", Pb().msg(1, meta("p")).msg(2, podSpec));
  auto v = decoded(b);
  EXPECT_EQ(v.at("spec").at("securityContext"), expected(R"({"supplementalGroups":[1,300,7]})"));
}

TEST(Protobuf, RawExtensionAndCustomResourceDefinitionSchemas) {
  auto rev = decoded(body("apps/v1", "ControllerRevision",
                          Pb().msg(1, meta("r")).msg(2, Pb().bytes(1, R"({"spec":{"a":1}})")).varint(3, 2)));
  EXPECT_EQ(rev.at("data"), expected(R"({"spec":{"a":1}})"));
  auto none = decoded(body("apps/v1", "ControllerRevision", Pb().msg(1, meta("r")).msg(2, Pb()).varint(3, 2)));
  EXPECT_TRUE(none.at("data").is_null());

  Pb props;
  props.bytes(5, "object")
      .entry(29, "spec", Pb().bytes(5, "object").varint(38, 1))
      .entry(29, "list", Pb().bytes(5, "array").msg(24, Pb().msg(1, Pb().bytes(5, "string"))))
      .entry(29, "tuple",
             Pb().bytes(5, "array").msg(24, Pb().msg(2, Pb().bytes(5, "string")).msg(2, Pb().bytes(5, "integer"))))
      .entry(29, "size", Pb().bytes(5, "integer").fixed64(11, 0x3ff8000000000000ULL).msg(8, Pb().bytes(1, "3")))
      .msg(30, Pb().varint(1, 0))
      .entry(32, "a", Pb().bytes(2, "b"));
  Pb version;
  version.bytes(1, "v1").varint(2, 1).varint(3, 1).msg(4, Pb().msg(1, props));
  Pb spec;
  spec.bytes(1, "example.com")
      .msg(3, Pb().bytes(1, "widgets").bytes(4, "Widget"))
      .bytes(4, "Namespaced")
      .msg(7, version);
  auto crd = decoded(body("apiextensions.k8s.io/v1", "CustomResourceDefinition",
                          Pb().msg(1, meta("widgets.example.com")).msg(2, spec)));
  EXPECT_EQ(crd.at("spec"), expected(R"({"group":"example.com","names":{"plural":"widgets","kind":"Widget"},
      "scope":"Namespaced","versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{
        "type":"object",
        "properties":{
          "spec":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
          "list":{"type":"array","items":{"type":"string"}},
          "tuple":{"type":"array","items":[{"type":"string"},{"type":"integer"}]},
          "size":{"type":"integer","minimum":1.5,"default":3}},
        "additionalProperties":false,
        "dependencies":{"a":["b"]}}}}]})"));
  EXPECT_EQ(crd.at("status"), expected(R"({"conditions":null,"acceptedNames":{"plural":"","kind":""},
      "storedVersions":null})"));
}

TEST(Protobuf, ManagedFieldsCarryRawJson) {
  Pb entry;
  entry.bytes(1, "kubectl-create")
      .bytes(2, "Update")
      .bytes(3, "v1")
      .msg(4, Pb().varint(1, 1700000000))
      .bytes(6, "FieldsV1")
      .msg(7, Pb().bytes(1, R"({"f:data":{".":{},"f:a":{}}})"))
      .bytes(8, "");
  auto v = decoded(body("v1", "ConfigMap", Pb().msg(1, meta("x").msg(17, entry))));
  EXPECT_EQ(v.at("metadata").at("managedFields"), expected(R"([{"manager":"kubectl-create","operation":"Update",
      "apiVersion":"v1","time":"2023-11-14T22:13:20Z","fieldsType":"FieldsV1",
      "fieldsV1":{"f:data":{".":{},"f:a":{}}}}])"));
}

TEST(Protobuf, AuthenticationExtraIsAStringList) {
  auto b = body("authentication.k8s.io/v1", "TokenReview",
                Pb().msg(1, meta(""))
                    .msg(2, Pb().bytes(1, "tok"))
                    .msg(3, Pb().varint(1, 1).msg(
                                2, Pb().bytes(1, "alice").entry(4, "scopes", Pb().bytes(1, "a").bytes(1, "b")))));
  EXPECT_EQ(decoded(b).at("status"),
            expected(R"({"authenticated":true,"user":{"username":"alice","extra":{"scopes":["a","b"]}}})"));
}

TEST(Protobuf, DurationFormat) {
  auto r =
      TypeRegistry::parse({"package t t/v1\nkind D\n  d,omitempty 1 *Dur\nmessage Dur format=duration\n"
                           "  duration 1 int64\n"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto dur = [&](std::int64_t ns) {
    auto v = decodeKubernetesProtobuf(body("t/v1", "D", Pb().msg(1, Pb().varint(1, std::uint64_t(ns)))), *r);
    return v.ok() ? std::string(v->at("d").as_string()) : v.error().message;
  };
  EXPECT_EQ(dur(0), "0s");
  EXPECT_EQ(dur(999), "999ns");
  EXPECT_EQ(dur(1500), "1.5\xc2\xb5s");
  EXPECT_EQ(dur(2500000), "2.5ms");
  EXPECT_EQ(dur(3600000000000), "1h0m0s");
  EXPECT_EQ(dur(90500000000), "1m30.5s");
  EXPECT_EQ(dur(-1000000000), "-1s");
}

TEST(Protobuf, UnknownFieldsAreSkippedAndReported) {
  std::vector<std::string> unknown;
  auto b = body("v1", "ConfigMap", Pb().msg(1, meta("x").varint(99, 5)).varint(42, 1).entry(2, "a", "b"));
  EXPECT_EQ(decoded(b, &unknown), expected(R"({"kind":"ConfigMap","apiVersion":"v1",
      "metadata":{"name":"x","creationTimestamp":null},"data":{"a":"b"}})"));
  EXPECT_EQ(unknown, (std::vector<std::string>{"core/v1.ConfigMap: field 42", "core/v1.ConfigMap.metadata: field 99"}));
}

TEST(Protobuf, InvalidUtf8BecomesReplacementCharacters) {
  auto v = decoded(body("v1", "ConfigMap", Pb().msg(1, meta("x")).entry(2, "k", "a\xff\xc0\x80z")));
  EXPECT_EQ(v.at("data").at("k"), "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz");
}

TEST(Protobuf, MalformedBodies) {
  EXPECT_NE(errorOf("{\"kind\":\"ConfigMap\"}").find("prefix"), std::string::npos);
  EXPECT_NE(errorOf(std::string("k8s\0\x0a", 5)).find("truncated varint"), std::string::npos);

  std::string msg =
      errorOf(std::string("k8s\0", 4) +
              Pb().msg(1, Pb().bytes(1, "v1").bytes(2, "ConfigMap")).bytes(2, std::string("\x08\xff", 2)).str());
  EXPECT_NE(msg.find("truncated varint at core/v1.ConfigMap"), std::string::npos) << msg;
  msg = errorOf(
      std::string("k8s\0", 4) +
      Pb().msg(1, Pb().bytes(1, "v1").bytes(2, "ConfigMap")).bytes(2, "\x38" + std::string(9, '\xff') + "\x02").str());
  EXPECT_NE(msg.find("varint overflows 64 bits"), std::string::npos) << msg;
  msg = errorOf(std::string("k8s\0", 4) + Pb().msg(1, Pb().bytes(1, "v1").bytes(2, "ConfigMap"))
                                              .bytes(2, std::string("\x0a\x05"
                                                                    "ab",
                                                                    4))
                                              .str());
  EXPECT_NE(msg.find("runs past its message at core/v1.ConfigMap"), std::string::npos) << msg;

  msg = errorOf(body("v1", "ConfigMap", Pb().msg(1, meta("x")).varint(2, 1)));
  EXPECT_NE(msg.find("wrong wire type 0 for field 2 (data) at core/v1.ConfigMap"), std::string::npos) << msg;
  msg = errorOf(body("v1", "Pod", Pb().msg(1, meta("x").bytes(7, "not a number"))));
  EXPECT_NE(msg.find("at core/v1.Pod.metadata"), std::string::npos) << msg;

  msg = errorOf(body("v1", "Widget", Pb()));
  EXPECT_EQ(msg, R"(no kind "Widget" is registered for version "v1")");
  EXPECT_NE(errorOf(body("v1", "", Pb())).find("'Kind' is missing"), std::string::npos);
  EXPECT_NE(errorOf(std::string("k8s\0", 4) +
                    Pb().msg(1, Pb().bytes(1, "v1").bytes(2, "ConfigMap")).msg(2, Pb()).bytes(3, "gzip").str())
                .find("content encoding"),
            std::string::npos);

  Pb quantity;
  quantity.entry(1, "cpu", Pb().bytes(1, "lots"));
  msg = errorOf(body("v1", "Pod", Pb().msg(2, Pb().msg(2, Pb().bytes(1, "c").msg(8, quantity)))));
  EXPECT_NE(msg.find("quantity \"lots\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("at core/v1.Pod.spec.containers.resources.limits"), std::string::npos) << msg;

  Pb group;
  group.key(3, 3);  // proto2 groups: nothing in Kubernetes writes them
  EXPECT_NE(errorOf(body("v1", "ConfigMap", group)).find("unsupported wire type 3"), std::string::npos);
}

TEST(Protobuf, DeepNestingIsRefused) {
  // JSONSchemaProps.not nests without end.
  Pb inner;
  for (int i = 0; i < 600; ++i) inner = Pb().msg(28, inner);
  Pb version;
  version.bytes(1, "v1").msg(4, Pb().msg(1, inner));
  auto msg = errorOf(body("apiextensions.k8s.io/v1", "CustomResourceDefinition", Pb().msg(2, Pb().msg(7, version))));
  EXPECT_NE(msg.find("nesting is too deep"), std::string::npos);
}

}  // namespace
}  // namespace kwok::api::types
