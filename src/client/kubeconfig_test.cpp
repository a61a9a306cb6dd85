#include "client/kubeconfig.h"

#include <gtest/gtest.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "core/yaml.h"

namespace kwok {
namespace {

namespace fs = std::filesystem;

const std::string kCaPem = "-----BEGIN CERTIFICATE-----\nY2E=\n-----END CERTIFICATE-----\n";
const std::string kCertPem = "-----BEGIN CERTIFICATE-----\nY2VydA==\n-----END CERTIFICATE-----\n";
const std::string kKeyPem = "-----BEGIN PRIVATE KEY-----\na2V5\n-----END PRIVATE KEY-----\n";

class KubeconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "kwok-kubeconfig-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::string write(const std::string& name, const std::string& text) const {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
    return path(name);
  }

  static std::string read(const std::string& file) {
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  static json::value readTree(const std::string& file) {
    auto tree = yamlToJson(read(file));
    EXPECT_TRUE(tree) << tree.error().message;
    return tree ? *tree : json::value();
  }

  static std::vector<std::string> names(const json::value& config, std::string_view list) {
    std::vector<std::string> out;
    if (const auto* items = arrayAt(config, {list})) {
      for (const auto& item : *items) out.emplace_back(stringAt(item, {"name"}));
    }
    return out;
  }

  static const json::value* entry(const json::value& config, std::string_view list, std::string_view name) {
    if (const auto* items = arrayAt(config, {list})) {
      for (const auto& item : *items)
        if (stringAt(item, {"name"}) == name) return &item;
    }
    return nullptr;
  }

  fs::path dir_;
};

using Names = std::vector<std::string>;

// A user's file with things kwokctl must not disturb.
const char* kForeignConfig = R"(apiVersion: v1
kind: Config
preferences:
  colors: true
clusters:
- name: prod
  cluster:
    server: https://prod.example.com
    certificate-authority-data: Y2E=
    extensions:
    - name: client.authentication.k8s.io/exec
      extension:
        audience: prod
- name: kwok-demo
  cluster:
    server: https://127.0.0.1:1
users:
- name: prod-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: gke-gcloud-auth-plugin
      args: ["--flag", "yes"]
      installHint: "run: apt install it"
      provideClusterInfo: true
      interactiveMode: IfAvailable
- name: kwok-demo
  user:
    token: stale
contexts:
- name: prod
  context:
    cluster: prod
    user: prod-admin
    namespace: payments
- name: kwok-demo
  context:
    cluster: kwok-demo
    user: kwok-demo
current-context: prod
x-unknown-top-level:
  keep: "0755"
)";

TEST_F(KubeconfigTest, MakeKubeconfigLooksLikeUpstream) {
  json::value config =
      makeKubeconfig("kwok-demo", "https://127.0.0.1:32766", kCaPem, "kwok-demo", kCertPem, kKeyPem);
  EXPECT_EQ(stringAt(config, {"apiVersion"}), "v1");
  EXPECT_EQ(stringAt(config, {"kind"}), "Config");
  EXPECT_EQ(stringAt(config, {"current-context"}), "kwok-demo");
  EXPECT_EQ(names(config, "clusters"), Names{"kwok-demo"});
  EXPECT_EQ(names(config, "users"), Names{"kwok-demo"});
  EXPECT_EQ(names(config, "contexts"), Names{"kwok-demo"});
  const auto* ctx = entry(config, "contexts", "kwok-demo");
  ASSERT_TRUE(ctx);
  EXPECT_EQ(stringAt(*ctx, {"context", "cluster"}), "kwok-demo");
  EXPECT_EQ(stringAt(*ctx, {"context", "user"}), "kwok-demo");
  const auto* cluster = entry(config, "clusters", "kwok-demo");
  ASSERT_TRUE(cluster);
  EXPECT_EQ(stringAt(*cluster, {"cluster", "server"}), "https://127.0.0.1:32766");
  EXPECT_EQ(stringAt(*cluster, {"cluster", "certificate-authority-data"}),
            "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClkyRT0KLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=");

  // Written out and read back, the embedded PEM comes back byte for byte.
  std::string file = write("kubeconfig.yaml", jsonToYaml(config));
  auto loaded = loadClientConfig(file);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->server, "https://127.0.0.1:32766");
  EXPECT_EQ(loaded->caPem, kCaPem);
  EXPECT_EQ(loaded->certPem, kCertPem);
  EXPECT_EQ(loaded->keyPem, kKeyPem);
  EXPECT_EQ(loaded->namespace_, "default");
  EXPECT_FALSE(loaded->insecureSkipTlsVerify);
}

TEST_F(KubeconfigTest, Base64OfEveryLength) {
  for (std::string pem : {std::string(), std::string("a"), std::string("ab"), std::string("abc"),
                          std::string("abcd"), std::string("\xff\xfe\x00\x01z", 5)}) {
    json::value config = makeKubeconfig("c", "https://h", "", "u", pem, "k" + pem);
    std::string file = write("b64.yaml", jsonToYaml(config));
    auto loaded = loadClientConfig(file);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->certPem, pem);
    EXPECT_EQ(loaded->keyPem, "k" + pem);
    EXPECT_EQ(loaded->caPem, "");
  }
}

TEST_F(KubeconfigTest, MergeCreatesFileAndParents) {
  std::string file = path("home/.kube/config");
  auto st = mergeIntoKubeconfigFile(
      file, makeKubeconfig("kwok-a", "https://127.0.0.1:6443", kCaPem, "kwok-a", kCertPem, kKeyPem), "kwok-a");
  ASSERT_TRUE(st) << st.error().message;
  struct stat sb {};
  ASSERT_EQ(::stat(file.c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  EXPECT_FALSE(fs::exists(file + ".lock")) << "a leftover lock file makes kubectl refuse to write";

  json::value tree = readTree(file);
  EXPECT_EQ(stringAt(tree, {"apiVersion"}), "v1");
  EXPECT_EQ(stringAt(tree, {"kind"}), "Config");
  EXPECT_EQ(stringAt(tree, {"current-context"}), "kwok-a");
  auto loaded = loadClientConfig(file);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->certPem, kCertPem);
}

TEST_F(KubeconfigTest, MergeKeepsForeignEntriesAndReplacesOwn) {
  std::string file = write("config", kForeignConfig);
  ::chmod(file.c_str(), 0640);
  auto st = mergeIntoKubeconfigFile(
      file, makeKubeconfig("kwok-demo", "https://127.0.0.1:6443", kCaPem, "kwok-demo", kCertPem, kKeyPem),
      "kwok-demo");
  ASSERT_TRUE(st) << st.error().message;

  json::value tree = readTree(file);
  // Same-named entries are replaced where they were; others stay in order.
  EXPECT_EQ(names(tree, "clusters"), (Names{"prod", "kwok-demo"}));
  EXPECT_EQ(names(tree, "users"), (Names{"prod-admin", "kwok-demo"}));
  EXPECT_EQ(names(tree, "contexts"), (Names{"prod", "kwok-demo"}));
  EXPECT_EQ(stringAt(*entry(tree, "clusters", "kwok-demo"), {"cluster", "server"}), "https://127.0.0.1:6443");
  EXPECT_EQ(findPath(*entry(tree, "users", "kwok-demo"), {"user", "token"}), nullptr);
  EXPECT_EQ(stringAt(tree, {"current-context"}), "kwok-demo");

  // Everything else survives, with its types.
  json::value before = *yamlToJson(kForeignConfig);
  EXPECT_EQ(*findPath(tree, {"preferences"}), *findPath(before, {"preferences"}));
  EXPECT_EQ(*findPath(tree, {"x-unknown-top-level"}), *findPath(before, {"x-unknown-top-level"}));
  EXPECT_EQ(stringAt(tree, {"x-unknown-top-level", "keep"}), "0755");
  EXPECT_EQ(*entry(tree, "clusters", "prod"), *entry(before, "clusters", "prod"));
  EXPECT_EQ(*entry(tree, "users", "prod-admin"), *entry(before, "users", "prod-admin"));
  EXPECT_EQ(*entry(tree, "contexts", "prod"), *entry(before, "contexts", "prod"));

  struct stat sb {};
  ASSERT_EQ(::stat(file.c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0640u) << "an existing file keeps its mode";
}

TEST_F(KubeconfigTest, MergeWithoutCurrentContextKeepsIt) {
  std::string file = write("config", kForeignConfig);
  auto st = mergeIntoKubeconfigFile(file, makeKubeconfig("kwok-b", "https://h", "", "kwok-b", "", ""), "");
  ASSERT_TRUE(st) << st.error().message;
  json::value tree = readTree(file);
  EXPECT_EQ(stringAt(tree, {"current-context"}), "prod");
  EXPECT_EQ(names(tree, "contexts"), (Names{"prod", "kwok-demo", "kwok-b"}));
}

TEST_F(KubeconfigTest, MergeRefusesToClobberABrokenFile) {
  const std::string broken = "clusters: [unterminated\n";
  std::string file = write("config", broken);
  auto st = mergeIntoKubeconfigFile(file, makeKubeconfig("kwok-a", "https://h", "", "kwok-a", "", ""), "kwok-a");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find(file), std::string::npos) << st.error().message;
  EXPECT_EQ(read(file), broken);

  std::string notAList = write("config2", "clusters: 3\n");
  st = mergeIntoKubeconfigFile(notAList, makeKubeconfig("kwok-a", "https://h", "", "kwok-a", "", ""), "");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("clusters is not a list"), std::string::npos) << st.error().message;
}

TEST_F(KubeconfigTest, MergeRejectsNamelessEntries) {
  json::value entries = *parseJson(R"({"clusters":[{"cluster":{"server":"https://h"}}]})");
  auto st = mergeIntoKubeconfigFile(path("config"), entries, "");
  ASSERT_FALSE(st);
  EXPECT_FALSE(fs::exists(path("config")));
}

TEST_F(KubeconfigTest, MergeFollowsSymlink) {
  std::string real = write("dotfiles/kubeconfig", kForeignConfig);
  std::string link = path("config");
  fs::create_symlink(real, link);
  auto st = mergeIntoKubeconfigFile(link, makeKubeconfig("kwok-a", "https://h", "", "kwok-a", "", ""), "kwok-a");
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_TRUE(fs::is_symlink(link));
  json::value tree = readTree(real);
  EXPECT_EQ(stringAt(tree, {"current-context"}), "kwok-a");
}

TEST_F(KubeconfigTest, ConcurrentMergesLoseNothing) {
  std::string file = write("config", kForeignConfig);
  constexpr int kThreads = 6, kEach = 5;
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string name = "kwok-" + std::to_string(t) + "-" + std::to_string(i);
        auto st = mergeIntoKubeconfigFile(file, makeKubeconfig(name, "https://h", "", name, "", ""), name);
        if (!st) errors[t] = st.error().message;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");

  json::value tree = readTree(file);
  auto contexts = names(tree, "contexts");
  EXPECT_EQ(contexts.size(), 2u + kThreads * kEach);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kEach; ++i) {
      std::string name = "kwok-" + std::to_string(t) + "-" + std::to_string(i);
      EXPECT_TRUE(entry(tree, "clusters", name)) << name;
      EXPECT_TRUE(entry(tree, "users", name)) << name;
      EXPECT_TRUE(entry(tree, "contexts", name)) << name;
    }
  }
  // No lock or temporary files left behind.
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir_)) files.push_back(e.path().filename().string());
  EXPECT_EQ(files, Names{"config"});
}

TEST_F(KubeconfigTest, RemoveDeletesOnlyNamedEntries) {
  std::string file = write("config", kForeignConfig);
  ASSERT_TRUE(mergeIntoKubeconfigFile(file, makeKubeconfig("kwok-demo", "https://h", "", "kwok-demo", "", ""),
                                      "kwok-demo"));
  auto st = removeFromKubeconfigFile(file, "kwok-demo", "kwok-demo", "kwok-demo");
  ASSERT_TRUE(st) << st.error().message;
  json::value tree = readTree(file);
  EXPECT_EQ(names(tree, "clusters"), Names{"prod"});
  EXPECT_EQ(names(tree, "users"), Names{"prod-admin"});
  EXPECT_EQ(names(tree, "contexts"), Names{"prod"});
  EXPECT_EQ(stringAt(tree, {"current-context"}, "<unset>"), "") << "it named the removed context";
  EXPECT_EQ(stringAt(tree, {"x-unknown-top-level", "keep"}), "0755");
  EXPECT_FALSE(fs::exists(file + ".lock"));
}

TEST_F(KubeconfigTest, RemoveKeepsOtherCurrentContext) {
  std::string file = write("config", kForeignConfig);
  ASSERT_TRUE(removeFromKubeconfigFile(file, "kwok-demo", "kwok-demo", "kwok-demo"));
  json::value tree = readTree(file);
  EXPECT_EQ(stringAt(tree, {"current-context"}), "prod");
  EXPECT_EQ(names(tree, "contexts"), Names{"prod"});
}

TEST_F(KubeconfigTest, RemoveWithSomeNamesAbsent) {
  std::string file = write("config", kForeignConfig);
  ASSERT_TRUE(removeFromKubeconfigFile(file, "kwok-demo", "kwok-gone", ""));
  json::value tree = readTree(file);
  json::value before = *yamlToJson(kForeignConfig);
  EXPECT_EQ(names(tree, "clusters"), Names{"prod"});
  EXPECT_EQ(*findPath(tree, {"users"}), *findPath(before, {"users"}));
  EXPECT_EQ(*findPath(tree, {"contexts"}), *findPath(before, {"contexts"}));
  EXPECT_EQ(stringAt(tree, {"current-context"}), "prod");
}

TEST_F(KubeconfigTest, RemoveOfAbsentEntriesLeavesFileUntouched) {
  std::string text = std::string("# my comments\n") + kForeignConfig;
  std::string file = write("config", text);
  ASSERT_TRUE(removeFromKubeconfigFile(file, "kwok-gone", "kwok-gone", "kwok-gone"));
  EXPECT_EQ(read(file), text);
}

TEST_F(KubeconfigTest, RemoveFromMissingFileIsNoError) {
  std::string file = path("nothing/here/config");
  auto st = removeFromKubeconfigFile(file, "a", "b", "c");
  EXPECT_TRUE(st) << st.error().message;
  EXPECT_FALSE(fs::exists(path("nothing")));
}

TEST_F(KubeconfigTest, LoadWithRelativeAndAbsoluteFilePaths) {
  write("cfg/pki/ca.crt", kCaPem);
  write("cfg/pki/admin.crt", kCertPem);
  std::string absKey = write("elsewhere/admin.key", kKeyPem);
  std::string file = write("cfg/kubeconfig", R"(apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority: pki/ca.crt
    tls-server-name: kubernetes
users:
- name: u
  user:
    client-certificate: pki/admin.crt
    client-key: )" + absKey + R"(
    token: abc123
contexts:
- name: x
  context:
    cluster: c
    user: u
    namespace: team-a
current-context: x
)");
  auto loaded = loadClientConfig(file);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->server, "https://127.0.0.1:6443");
  EXPECT_EQ(loaded->caPem, kCaPem);
  EXPECT_EQ(loaded->certPem, kCertPem);
  EXPECT_EQ(loaded->keyPem, kKeyPem);
  EXPECT_EQ(loaded->token, "abc123");
  EXPECT_EQ(loaded->tlsServerName, "kubernetes");
  EXPECT_EQ(loaded->namespace_, "team-a");
  EXPECT_FALSE(loaded->insecureSkipTlsVerify);
}

TEST_F(KubeconfigTest, LoadNamedContextAndDataOverFile) {
  std::string file = write("config", R"({
  "apiVersion": "v1", "kind": "Config",
  "clusters": [
    {"name": "a", "cluster": {"server": "https://a", "insecure-skip-tls-verify": true}},
    {"name": "b", "cluster": {"server": "https://b",
       "certificate-authority": "does-not-exist.crt",
       "certificate-authority-data": "aGVsbG8="}}
  ],
  "users": [{"name": "anon"}],
  "contexts": [
    {"name": "ca", "context": {"cluster": "a", "user": "anon"}},
    {"name": "cb", "context": {"cluster": "b"}}
  ],
  "current-context": "ca"
})");
  auto current = loadClientConfig(file);
  ASSERT_TRUE(current) << current.error().message;
  EXPECT_EQ(current->server, "https://a");
  EXPECT_TRUE(current->insecureSkipTlsVerify);
  EXPECT_EQ(current->certPem, "");

  auto named = loadClientConfig(file, "cb");
  ASSERT_TRUE(named) << named.error().message;
  EXPECT_EQ(named->server, "https://b");
  EXPECT_EQ(named->caPem, "hello");
  EXPECT_FALSE(named->insecureSkipTlsVerify);
}

TEST_F(KubeconfigTest, LoadErrorsNameTheProblem) {
  std::string file = write("config", kForeignConfig);
  auto missing = loadClientConfig(file, "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "context \"nope\" not found in " + file);

  auto noFile = loadClientConfig(path("absent"));
  ASSERT_FALSE(noFile);
  EXPECT_NE(noFile.error().message.find(path("absent")), std::string::npos) << noFile.error().message;

  std::string noCurrent = write("nocurrent", "apiVersion: v1\nkind: Config\n");
  auto unset = loadClientConfig(noCurrent);
  ASSERT_FALSE(unset);
  EXPECT_NE(unset.error().message.find("current-context is not set"), std::string::npos);

  std::string dangling = write("dangling", R"(contexts:
- name: x
  context: {cluster: gone, user: gone}
current-context: x
)");
  auto noCluster = loadClientConfig(dangling);
  ASSERT_FALSE(noCluster);
  EXPECT_NE(noCluster.error().message.find("cluster \"gone\""), std::string::npos) << noCluster.error().message;

  std::string noUser = write("nouser", R"(clusters: [{name: c, cluster: {server: "https://h"}}]
contexts: [{name: x, context: {cluster: c, user: gone}}]
current-context: x
)");
  auto userMissing = loadClientConfig(noUser);
  ASSERT_FALSE(userMissing);
  EXPECT_NE(userMissing.error().message.find("user \"gone\""), std::string::npos) << userMissing.error().message;

  std::string badData = write("baddata", R"(clusters: [{name: c, cluster: {server: "https://h", certificate-authority-data: "!!"}}]
contexts: [{name: x, context: {cluster: c}}]
current-context: x
)");
  auto bad = loadClientConfig(badData);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("certificate-authority-data is not valid base64"), std::string::npos)
      << bad.error().message;

  std::string badFile = write("badfile", R"(clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {client-certificate: missing.crt}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)");
  auto noCert = loadClientConfig(badFile);
  ASSERT_FALSE(noCert);
  EXPECT_NE(noCert.error().message.find(path("missing.crt")), std::string::npos) << noCert.error().message;
}

TEST_F(KubeconfigTest, ParseKubeconfig) {
  auto empty = parseKubeconfig("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->is_object());
  auto json = parseKubeconfig(R"({"kind":"Config"})");
  ASSERT_TRUE(json);
  EXPECT_EQ(stringAt(*json, {"kind"}), "Config");
  EXPECT_FALSE(parseKubeconfig("- a\n- b\n"));
}

// Restores an environment variable when the test ends.
class EnvGuard {
 public:
  explicit EnvGuard(const char* name) : name_(name) {
    if (const char* v = std::getenv(name)) old_ = v;
  }
  ~EnvGuard() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(DefaultKubeconfigPath, KubeconfigEnvThenHome) {
  EnvGuard kubeconfig("KUBECONFIG"), home("HOME");
  ::setenv("HOME", "/home/someone", 1);
  ::setenv("KUBECONFIG", "/a/config:/b/config", 1);
  EXPECT_EQ(defaultKubeconfigPath(), "/a/config");
  ::setenv("KUBECONFIG", "::/b/config", 1);
  EXPECT_EQ(defaultKubeconfigPath(), "/b/config");
  ::setenv("KUBECONFIG", "", 1);
  EXPECT_EQ(defaultKubeconfigPath(), "/home/someone/.kube/config");
  ::unsetenv("KUBECONFIG");
  EXPECT_EQ(defaultKubeconfigPath(), "/home/someone/.kube/config");
}

// Output and exit status of a shell command.
std::pair<std::string, int> run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {"", -1};
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = ::pclose(p);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

// Debian's kubectl reads what we write, and can write to it afterwards.
TEST_F(KubeconfigTest, KubectlAcceptsMergedFile) {
  const std::string kubectl = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";
  if (!fs::exists(kubectl)) GTEST_SKIP() << "SKIPPED: " << kubectl << " not installed; kubectl check not run";

  std::string file = write("config", kForeignConfig);
  ASSERT_TRUE(mergeIntoKubeconfigFile(
      file, makeKubeconfig("kwok-demo", "https://127.0.0.1:6443", kCaPem, "kwok-demo", kCertPem, kKeyPem),
      "kwok-demo"));
  std::string base = kubectl + " --kubeconfig " + file + " ";

  auto [view, rc] = run(base + "config view --raw -o json 2>&1");
  ASSERT_EQ(rc, 0) << view;
  auto parsed = parseJson(view);
  ASSERT_TRUE(parsed) << view;
  EXPECT_EQ(stringAt(*parsed, {"current-context"}), "kwok-demo");
  const auto* ctx = entry(*parsed, "contexts", "kwok-demo");
  ASSERT_TRUE(ctx) << view;
  EXPECT_EQ(stringAt(*ctx, {"context", "user"}), "kwok-demo");
  const auto* user = entry(*parsed, "users", "kwok-demo");
  ASSERT_TRUE(user) << view;
  EXPECT_EQ(stringAt(*user, {"user", "client-key-data"}), "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCmEyVjUKLS0tLS1FTkQgUFJJVkFURSBLRVktLS0tLQo=");
  const auto* prodUser = entry(*parsed, "users", "prod-admin");
  ASSERT_TRUE(prodUser) << view;
  EXPECT_EQ(stringAt(*prodUser, {"user", "exec", "command"}), "gke-gcloud-auth-plugin");

  // kubectl's own writes take their O_EXCL lock next to the file.
  auto [use, useRc] = run(base + "config use-context prod 2>&1");
  EXPECT_EQ(useRc, 0) << use;
  auto [current, currentRc] = run(base + "config current-context 2>&1");
  EXPECT_EQ(current, "prod\n");

  auto loaded = loadClientConfig(file, "kwok-demo");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->keyPem, kKeyPem);
}

}  // namespace
}  // namespace kwok
