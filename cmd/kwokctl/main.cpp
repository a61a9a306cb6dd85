// kwokctl: creates and manages local kwok clusters.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "client/kubeconfig.h"
#include "client/rest_client.h"
#include "core/clock.h"
#include "kwokctl/cluster.h"
#include "kwokctl/process.h"
#include "kwokctl/scale.h"

namespace {

using namespace kwok;
using namespace kwok::kwokctl;

int fail(const Error& e) {
  fmt::print(stderr, "Error: {}\n", e.message);
  return 1;
}

ProgressFn printer(bool quiet) {
  if (quiet) return nullptr;
  return [](const std::string& step, std::chrono::duration<double> took, bool ok) {
    fmt::print(stderr, " {} {} {:.2f}s\n", ok ? "\u2713" : "\u2717", step, took.count());
  };
}

// The kubectl tests and users run: the pinned 1.32 binary when installed.
std::string kubectlBinary() {
  const char* pinned = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";
  if (::access(pinned, X_OK) == 0) return pinned;
  return "kubectl";
}

Result<std::unique_ptr<client::RestClient>> clusterClient(const std::string& name) {
  std::string kc = clusterKubeconfig(name);
  if (!std::filesystem::exists(kc)) return Error::notFound(fmt::format("cluster \"{}\" does not exist", name));
  auto cfg = loadClientConfig(kc);
  if (!cfg) return cfg.error();
  return client::RestClient::create(*cfg);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kwokctl: create and manage local kwok clusters"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the subcommands, as in upstream kwokctl
  std::string name = std::getenv("KWOK_CLUSTER_NAME") ? std::getenv("KWOK_CLUSTER_NAME") : "kwok";
  bool quiet = false;
  app.add_option("--name", name, "cluster name")->capture_default_str();
  app.add_flag("-q,--quiet", quiet, "print no progress");

  auto* create = app.add_subcommand("create", "create a resource")->require_subcommand(1);
  auto* createCluster = create->add_subcommand("cluster", "create a cluster");
  std::string wait = "0s";
  int leaseSeconds = 40;
  createCluster->add_option("--wait", wait, "wait for every component to be ready, up to this long (e.g. 30s)");
  createCluster->add_option("--node-lease-duration-seconds", leaseSeconds, "node lease duration (0 disables leases)")
      ->capture_default_str();

  auto* del = app.add_subcommand("delete", "delete a resource")->require_subcommand(1);
  auto* deleteCluster = del->add_subcommand("cluster", "delete a cluster");

  auto* get = app.add_subcommand("get", "show information")->require_subcommand(1);
  auto* getClusters = get->add_subcommand("clusters", "list the clusters");
  auto* getKubeconfig = get->add_subcommand("kubeconfig", "print the cluster's admin kubeconfig");

  auto* scaleCmd = app.add_subcommand("scale", "scale nodes or pods made by kwokctl");
  ScaleOptions scaleOpts;
  scaleCmd->add_option("kind", scaleOpts.kind, "node or pod")->required();
  scaleCmd->add_option("prefix", scaleOpts.name, "name prefix (default: the kind)");
  scaleCmd->add_option("--replicas", scaleOpts.replicas, "number of objects")->capture_default_str();
  scaleCmd->add_option("--param", scaleOpts.params, "parameter assignment '.path=<JSON value>' (repeatable)");
  scaleCmd->add_option("-n,--namespace", scaleOpts.ns, "namespace for pods");
  scaleCmd->add_option("--serial-length", scaleOpts.serialLength, "digits in the serial number")->capture_default_str();

  auto* kubectl = app.add_subcommand("kubectl", "run kubectl against the cluster");
  kubectl->prefix_command();
  kubectl->fallthrough(false);  // everything after "kubectl" belongs to kubectl

  CLI11_PARSE(app, argc, argv);

  if (createCluster->parsed()) {
    auto d = parseGoDuration(wait);
    if (!d) return fail(Error::badRequest(fmt::format("invalid --wait {:?}: use a duration such as 30s", wait)));
    CreateOptions o;
    o.name = name;
    o.wait = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    o.nodeLeaseDurationSeconds = leaseSeconds;
    if (!quiet) fmt::print(stderr, "Creating cluster \"{}\"\n", name);
    auto st = kwokctl::createCluster(o, printer(quiet));
    if (!st) return fail(st.error());
    if (!quiet)
      fmt::print(stderr, "Cluster \"{}\" is ready. kubectl now uses context \"{}\" (kubeconfig {}).\n", name,
                 contextName(name), defaultKubeconfigPath());
    return 0;
  }
  if (deleteCluster->parsed()) {
    if (!quiet) fmt::print(stderr, "Deleting cluster \"{}\"\n", name);
    auto st = kwokctl::deleteCluster(name, printer(quiet));
    if (!st) return fail(st.error());
    return 0;
  }
  if (getClusters->parsed()) {
    for (const auto& c : listClusters()) fmt::print("{}\n", c);
    return 0;
  }
  if (getKubeconfig->parsed()) {
    std::ifstream in(clusterKubeconfig(name));
    if (!in) return fail(Error::notFound(fmt::format("cluster \"{}\" does not exist", name)));
    std::cout << in.rdbuf();
    return 0;
  }
  if (scaleCmd->parsed()) {
    auto c = clusterClient(name);
    if (!c) return fail(c.error());
    auto r = kwokctl::scale(**c, scaleOpts);
    if (!r) return fail(r.error());
    if (!quiet) {
      std::string what = scaleOpts.name.empty() ? scaleOpts.kind : scaleOpts.name;
      fmt::print(stderr, "Scaled {} to {} replicas ({} created, {} deleted)\n", what, scaleOpts.replicas, r->created,
                 r->deleted);
    }
    return 0;
  }
  if (kubectl->parsed()) {
    std::string kc = clusterKubeconfig(name);
    if (!std::filesystem::exists(kc)) return fail(Error::notFound(fmt::format("cluster \"{}\" does not exist", name)));
    std::string bin = kubectlBinary();
    std::vector<std::string> args{bin, "--kubeconfig=" + kc};
    for (const auto& a : kubectl->remaining()) args.push_back(a);
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    ::execvp(bin.c_str(), cargs.data());
    return fail(Error::internal(fmt::format("cannot run {}: {}", bin, std::strerror(errno))));
  }
  return 0;
}
