// snapshot, kectl and etcdctl.
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "client/kubeconfig.h"
#include "kwokctl/admin_client.h"
#include "kwokctl/cli_commands.h"
#include "kwokctl/files.h"
#include "kwokctl/kectl.h"
#include "kwokctl/recording.h"
#include "kwokctl/snapshot.h"

namespace kwok::kwokctl::cli {

namespace {

std::string defaultFiltersHelp() {
  std::string list;
  for (const auto& r : defaultSnapshotResources()) list += (list.empty() ? "" : ",") + r;
  return list;
}

struct Filters {
  std::vector<std::string> names = defaultSnapshotResources();
  CLI::Option* flag = nullptr;
  bool given() const { return flag->count() > 0; }
};

void addFilter(CLI::App* cmd, Filters& f, const std::string& what) {
  f.flag = cmd->add_option("--filter", f.names,
                           what + ", comma-separated or repeated (default " + defaultFiltersHelp() + ")")
               ->delimiter(',');
}

Result<std::unique_ptr<client::RestClient>> restClient(const ClientConfig& cfg) { return client::RestClient::create(cfg); }

// Records from `cfg`'s cluster into `path` (times relative to the start).
Status recordFrom(const ClientConfig& cfg, const std::string& path, const Filters& filters, bool snapshotOnly,
                  const Globals& g) {
  Ui ui = g.ui();
  if (g.dryRun) {
    std::string names;
    for (const auto& n : filters.names) names += (names.empty() ? "" : ",") + n;
    ui.dryRun(fmt::format("kubectl --server {} get {} -o yaml >{}{}", cfg.server, names, path,
                          snapshotOnly ? "" : "  # then record changes until interrupted"));
    return {};
  }
  auto client = restClient(cfg);
  if (!client) return client.error();
  auto mapper = ResourceMapper::discover(**client);
  if (!mapper) return mapper.error();
  auto resources = resolveFilters(*mapper, filters.names, filters.given());
  if (!resources) return resources.error();
  auto writer = SnapshotWriter::create(path, false,
                                       std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  if (!writer) return writer.error();
  StopToken stop;
  SignalStop signals(stop);
  return record(**client, *resources, *writer, snapshotOnly, stop, ui);
}

void addSnapshot(CLI::App& app, const Globals& g, Commands& out) {
  auto* snapshot = app.add_subcommand("snapshot", "Snapshot [save, restore, export, record, replay] one of cluster")
                       ->require_subcommand(1);

  struct Flags {
    std::string path, format = "etcd";
    Filters filters;
  };
  auto validate = [](const Flags& f) -> Status {
    if (f.path.empty()) return Error::badRequest("--path is required");
    if (f.format != "etcd" && f.format != "k8s")
      return Error::badRequest(fmt::format("unknown --format {:?}: use etcd or k8s", f.format));
    if (f.format == "etcd" && f.filters.given())
      return Error::badRequest("--filter applies only to --format k8s; an etcd snapshot holds the whole store");
    return {};
  };

  auto* save = snapshot->add_subcommand("save", "Saves a snapshot of the cluster");
  auto sf = std::make_shared<Flags>();
  save->add_option("--path", sf->path, "the file to write (replaced atomically)");
  save->add_option("--format", sf->format,
                   "etcd: a consistent copy of the whole store; k8s: YAML of the filtered resources")
      ->capture_default_str();
  addFilter(save, sf->filters, "resources to save (k8s format only)");
  on(out, save, [&g, sf, validate]() -> Status {
    if (auto st = validate(*sf); !st) return st;
    auto c = g.cluster();
    if (!c) return c.error();
    Ui ui = g.ui();
    if (sf->format == "etcd") return saveStore(*c, sf->path, ui);
    if (g.dryRun) {
      std::string names;
      for (const auto& n : sf->filters.names) names += (names.empty() ? "" : ",") + n;
      ui.dryRun(fmt::format("kubectl get {} -o yaml >{}", names, sf->path));
      return {};
    }
    auto cfg = c->adminConfig();
    if (!cfg) return cfg.error();
    auto client = restClient(*cfg);
    if (!client) return client.error();
    auto mapper = ResourceMapper::discover(**client);
    if (!mapper) return mapper.error();
    auto resources = resolveFilters(*mapper, sf->filters.names, sf->filters.given());
    if (!resources) return resources.error();
    int saved = 0;
    Status st = ui.step("Saving " + sf->path, [&]() -> Status {
      auto writer = SnapshotWriter::create(sf->path, true, std::nullopt);
      if (!writer) return writer.error();
      auto listed = saveObjects(**client, *resources, *writer);
      if (!listed) return listed.error();
      saved = writer->objects();
      return writer->finish();
    });
    if (st) ui.note(fmt::format("Saved {} of {}", counted(saved, "object"), counted(resources->size(), "resource")));
    return st;
  });

  auto* restore = snapshot->add_subcommand("restore", "Restores a snapshot into the cluster");
  auto rf = std::make_shared<Flags>();
  restore->add_option("--path", rf->path, "the snapshot file");
  restore->add_option("--format", rf->format,
                      "etcd: replace the whole store (the file is checked first); k8s: create the filtered objects "
                      "from YAML")
      ->capture_default_str();
  addFilter(restore, rf->filters, "resources to restore (k8s format only)");
  on(out, restore, [&g, rf, validate]() -> Status {
    if (auto st = validate(*rf); !st) return st;
    auto c = g.cluster();
    if (!c) return c.error();
    Ui ui = g.ui();
    if (rf->format == "etcd") return restoreStore(*c, rf->path, ui);
    return restoreObjectsFile(*c, rf->path, rf->filters.names, rf->filters.given(), ui);
  });

  auto* exp = snapshot->add_subcommand("export", "Exports a snapshot of any cluster (k8s format), and records changes");
  struct ExportFlags {
    std::string path, kubeconfig = defaultKubeconfigPath();
    Filters filters;
    bool record = false;
  };
  auto ef = std::make_shared<ExportFlags>();
  exp->add_option("--kubeconfig", ef->kubeconfig, "the kubeconfig of the cluster (its current context)")
      ->capture_default_str();
  exp->add_option("--path", ef->path, "the file to write (must not exist)");
  addFilter(exp, ef->filters, "resources to export");
  exp->add_flag("--record", ef->record, "after the snapshot, record changes until interrupted (Ctrl+C or SIGTERM)");
  on(out, exp, [&g, ef]() -> Status {
    if (ef->path.empty()) return Error::badRequest("--path is required");
    auto cfg = loadClientConfig(ef->kubeconfig);
    if (!cfg) return cfg.error();
    return recordFrom(*cfg, ef->path, ef->filters, !ef->record, g);
  });
}

// record and replay, under `snapshot` (older upstream) and `kectl snapshot`.
void addRecordReplay(CLI::App* parent, const Globals& g, Commands& out) {
  struct Flags {
    std::string path;
    bool snapshotOnly = false;
    Filters filters;
  };
  auto* rec = parent->add_subcommand(
      "record", "Saves a snapshot (k8s format) and records the cluster's changes until interrupted (Ctrl+C or SIGTERM)");
  auto rf = std::make_shared<Flags>();
  rec->add_option("--path", rf->path, "the file to write (must not exist)");
  rec->add_flag("--snapshot", rf->snapshotOnly, "only save the snapshot, record no changes");
  addFilter(rec, rf->filters, "resources to record");
  on(out, rec, [&g, rf]() -> Status {
    if (rf->path.empty()) return Error::badRequest("--path is required");
    auto c = g.cluster();
    if (!c) return c.error();
    auto cfg = c->adminConfig();
    if (!cfg) return cfg.error();
    return recordFrom(*cfg, rf->path, rf->filters, rf->snapshotOnly, g);
  });

  auto* rep = parent->add_subcommand(
      "replay",
      "Stores a recording's snapshot as it is, then applies its changes at their times (controllers paused meanwhile)");
  auto pf = std::make_shared<Flags>();
  rep->add_option("--path", pf->path, "the recording");
  rep->add_flag("--snapshot", pf->snapshotOnly, "only store the snapshot, apply no changes");
  on(out, rep, [&g, pf]() -> Status {
    if (pf->path.empty()) return Error::badRequest("--path is required");
    auto c = g.cluster();
    if (!c) return c.error();
    StopToken stop;
    SignalStop signals(stop);
    return replayFile(*c, pf->path, pf->snapshotOnly, stop, g.ui());
  });
}

struct Kectl {
  std::unique_ptr<client::RestClient> client;
  std::optional<AdminClient> admin;
  std::optional<ResourceMapper> mapper;
};

Result<Kectl> kectlFor(const Globals& g) {
  auto c = g.cluster();
  if (!c) return c.error();
  auto cfg = c->adminConfig();
  if (!cfg) return cfg.error();
  Kectl k;
  auto client = client::RestClient::create(*cfg);
  if (!client) return client.error();
  k.client = std::move(*client);
  auto admin = AdminClient::create(*cfg);
  if (!admin) return admin.error();
  k.admin.emplace(std::move(*admin));
  auto mapper = ResourceMapper::discover(*k.client);
  if (!mapper) return mapper.error();
  k.mapper.emplace(std::move(*mapper));
  return k;
}

void addKectl(CLI::App& app, const Globals& g, Commands& out) {
  auto* kectl = app.add_subcommand(
                        "kectl",
                        "Reads and writes objects exactly as stored, through kwok-apiserver's admin API (upstream: "
                        "directly in etcd); writes are seen by watchers")
                    ->require_subcommand(1);

  auto* get = kectl->add_subcommand("get", "Prints stored objects: every resource, one resource, or one object");
  auto gf = std::make_shared<KectlGetOptions>();
  get->add_option("resource", gf->resource, "resource, as kubectl names it (pods, po, deployments.apps)");
  get->add_option("name", gf->name, "object name");
  get->add_option("-n,--namespace", gf->ns, "namespace (default: all for lists, \"default\" for a named object)");
  get->add_option("-o,--output", gf->output, "yaml, json or key")->capture_default_str();
  on(out, get, [&g, gf]() -> Status {
    if (g.dryRun) {
      fmt::print("kubectl get {} {} -n {} -o {}\n", gf->resource, gf->name, gf->ns, gf->output);
      return {};
    }
    auto k = kectlFor(g);
    if (!k) return k.error();
    return kectlGet(*k->admin, *k->mapper, *gf, std::cout);
  });

  auto* put = kectl->add_subcommand(
      "put", "Stores objects as given (status, UIDs and all); fills in a missing uid and creationTimestamp");
  struct PutFlags {
    std::string path = "-", ns;
  };
  auto pf = std::make_shared<PutFlags>();
  put->add_option("--path", pf->path, "YAML or JSON file of objects (\"-\": standard input)")->capture_default_str();
  put->add_option("-n,--namespace", pf->ns, "namespace of namespaced objects that name none (default \"default\")");
  on(out, put, [&g, pf]() -> Status {
    std::string text;
    if (pf->path == "-") {
      std::stringstream ss;
      ss << std::cin.rdbuf();
      text = ss.str();
    } else {
      auto t = readFile(pf->path);
      if (!t) return t.error();
      text = std::move(*t);
    }
    if (g.dryRun) {
      fmt::print("kubectl apply -f {}  # stored as is\n", pf->path);
      return {};
    }
    auto k = kectlFor(g);
    if (!k) return k.error();
    auto n = kectlPut(*k->admin, *k->mapper, text, pf->ns,
                      [&](const std::string& key) { if (!g.quiet) fmt::print("{}\n", key); });
    if (!n) return n.error();
    return {};
  });

  for (const char* verb : {"delete", "del"}) {
    auto* del = kectl->add_subcommand(verb, std::string(verb) == "del" ? "Same as delete" : "Deletes a stored object");
    struct DelFlags {
      std::string resource, name, ns;
    };
    auto df = std::make_shared<DelFlags>();
    del->add_option("resource", df->resource, "resource, as kubectl names it")->required();
    del->add_option("name", df->name, "object name")->required();
    del->add_option("-n,--namespace", df->ns, "namespace (default \"default\")");
    on(out, del, [&g, df]() -> Status {
      if (g.dryRun) {
        fmt::print("kubectl delete {} {} -n {}  # without finalizers or graceful deletion\n", df->resource, df->name,
                   df->ns.empty() ? "default" : df->ns);
        return {};
      }
      auto k = kectlFor(g);
      if (!k) return k.error();
      return kectlDelete(*k->admin, *k->mapper, df->resource, df->name, df->ns);
    });
  }

  auto* snap = kectl->add_subcommand("snapshot", "Record or replay [record, replay] the cluster's changes")
                   ->require_subcommand(1);
  addRecordReplay(snap, g, out);
}

void addEtcdctl(CLI::App& app, Commands& out) {
  auto* etcdctl = app.add_subcommand("etcdctl", "Not available: the cluster's store is not etcd (see kectl)");
  etcdctl->prefix_command();
  etcdctl->fallthrough(false);
  on(out, etcdctl, []() -> Status {
    return Error::badRequest(
        "this cluster runs no etcd: its store is a SQLite file inside kwok-apiserver. Use 'kwokctl kectl "
        "get|put|delete' for objects as stored, and 'kwokctl snapshot save|restore' for backups of the whole store");
  });
}

}  // namespace

void addSnapshotCommands(CLI::App& app, const Globals& g, Commands& out) {
  addSnapshot(app, g, out);
  addRecordReplay(app.get_subcommand("snapshot"), g, out);
  addKectl(app, g, out);
  addEtcdctl(app, out);
}

}  // namespace kwok::kwokctl::cli
