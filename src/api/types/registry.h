// The type-schema registry: the message schema of every built-in Kubernetes
// kind this server serves, and of the types they use. For each field it
// knows the JSON name, the protobuf field number, the value type and the two
// facts Go's JSON encoding depends on: whether the Go field is a pointer and
// whether its json tag says omitempty. The protobuf decoder reads it today;
// OpenAPI schemas and strict field validation are meant to read it too.
//
// The facts live in text files, schemas/*.schema, embedded at build time:
//
//   # comment
//   package apps/v1 apps/v1          <- package name, apiVersion ("-": none)
//   kind Deployment                  <- a message that is a kind of apiVersion
//     metadata,omitempty   1 meta/v1.ObjectMeta
//     spec,omitempty       2 DeploymentSpec
//   message DeploymentSpec           <- a message used by kinds
//     replicas,omitempty   1 *int32
//     selector             2 *meta/v1.LabelSelector
//
// A field line is `<json tag> <protobuf number> <type>`, in Go struct order.
// The json tag is written as Go writes it ("name" or "name,omitempty");
// `(inline)` marks an embedded struct whose fields join the parent's (as
// VolumeSource's do in core/v1 Volume). The type is a scalar (string bytes
// bool int32 int64 double) or a message name, qualified with its package
// when it lives in another one ("meta/v1.ObjectMeta"), with an optional
// prefix: `*` (Go pointer), `[]` (repeated) or `map[string]` (protobuf map).
// `kind X shared` is a kind registered in every group version
// (DeleteOptions). `format=F` after a message name marks a type with its
// own JSON form (see Format); its field lines then describe the wire
// layout, not JSON members.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace kwok::api::types {

// The value type of a field (for maps: of the map's values).
enum class Scalar : std::uint8_t { String, Bytes, Bool, Int32, Int64, Double, Message };

// How a field holds its values: a Go value, a Go pointer, a slice, a map
// with string keys.
enum class Label : std::uint8_t { Value, Pointer, Repeated, Map };

// How a message appears in JSON.
enum class Format : std::uint8_t {
  Object,               // an object of its fields
  Time,                 // meta/v1.Time {seconds=1, nanos=2}: "2006-01-02T15:04:05Z"; zero: null
  MicroTime,            // meta/v1.MicroTime, likewise: "2006-01-02T15:04:05.000000Z"
  Duration,             // meta/v1.Duration {duration=1, ns}: Go's "1h2m3.5s"
  Quantity,             // resource.Quantity {string=1}: the canonical quantity string
  IntOrString,          // intstr.IntOrString {type=1, intVal=2, strVal=3}: number or string
  RawJson,              // {raw=1}: bytes that are JSON (RawExtension, FieldsV1, apiextensions JSON)
  StringList,           // ExtraValue {items=1}: an array of strings
  SchemaOrBool,         // apiextensions JSONSchemaPropsOrBool {allows=1, schema=2}
  SchemaOrArray,        // JSONSchemaPropsOrArray {schema=1, jSONSchemas=2}
  SchemaOrStringArray,  // JSONSchemaPropsOrStringArray {schema=1, property=2}
};

struct Message;
class SchemaParser;

struct Field {
  std::string json;  // the JSON name; empty for an inlined struct
  int number = 0;
  Label label = Label::Value;
  Scalar type = Scalar::String;
  const Message* message = nullptr;  // when type is Message
  bool omitEmpty = false;

  bool inlined() const { return json.empty(); }
};

struct Message {
  std::string name;  // "core/v1.Pod"
  Format format = Format::Object;
  std::vector<Field> fields;  // Go struct order

  // The field with protobuf number `number`, or nullptr.
  const Field* field(int number) const;
  // The index in `fields` of the field numbered `number`, or -1.
  int indexOf(int number) const;

 private:
  friend class SchemaParser;
  std::vector<std::int16_t> byNumber_;  // number -> index in fields, -1 for none
};

struct Kind {
  std::string apiVersion;  // "apps/v1", "v1"; empty for a shared kind
  std::string kind;        // "Deployment"
  const Message* message = nullptr;
};

// An immutable set of message schemas. Safe to share between threads.
class TypeRegistry {
 public:
  // The built-in Kubernetes types, parsed once on first use.
  static const TypeRegistry& builtin();

  // Builds a registry from schema texts (the format above). Errors name the
  // source's package and line; every type reference must resolve.
  static Result<TypeRegistry> parse(const std::vector<std::string_view>& sources);

  // A message by full name ("apps/v1.DeploymentSpec"), or nullptr.
  const Message* message(std::string_view name) const;
  // The message of a kind: by apiVersion ("apps/v1", "v1"), or a shared
  // kind whatever the apiVersion. nullptr when unknown.
  const Message* kind(std::string_view apiVersion, std::string_view kind) const;
  // The same by group ("" for core) and version.
  const Message* kind(std::string_view group, std::string_view version, std::string_view kind) const;

  const std::vector<Kind>& kinds() const { return kinds_; }
  std::size_t messageCount() const { return messages_.size(); }
  std::size_t fieldCount() const;

 private:
  friend class SchemaParser;
  std::vector<std::unique_ptr<Message>> messages_;
  std::map<std::string, const Message*, std::less<>> byName_;
  std::map<std::string, const Message*, std::less<>> byKind_;  // "apps/v1 Deployment"; shared: " DeleteOptions"
  std::vector<Kind> kinds_;
};

}  // namespace kwok::api::types
