// logs, export, kubectl, scale, port-forward, config and completion.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "client/rest_client.h"
#include "core/yaml.h"
#include "kwokctl/cli_commands.h"
#include "kwokctl/completion.h"
#include "kwokctl/files.h"
#include "kwokctl/logs.h"
#include "kwokctl/port_forward.h"
#include "kwok/stage/evaluate.h"
#include "kwokctl/scale.h"

namespace kwok::kwokctl::cli {

namespace {

namespace fs = std::filesystem;

// The kubectl tests and users run: the pinned 1.32 binary when installed.
std::string kubectlBinary() {
  const char* pinned = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";
  if (::access(pinned, X_OK) == 0) return pinned;
  return "kubectl";
}

void addLogs(CLI::App& app, const Globals& g, Commands& out) {
  auto* logs = app.add_subcommand("logs", "Prints the log of a component (upstream names work too: kube-apiserver, ...)");
  struct Flags {
    std::string component;
    bool follow = false;
  };
  auto f = std::make_shared<Flags>();
  logs->add_option("component", f->component, "kwok-apiserver, kwok-controller-manager or kwok-controller")
      ->required();
  logs->add_flag("-f,--follow", f->follow, "keep printing what is appended until interrupted");
  on(out, logs, [&g, f]() -> Status {
    auto c = g.cluster();
    if (!c) return c.error();
    if (g.dryRun) {
      auto path = logPath(*c, f->component);
      if (!path) return path.error();
      fmt::print("{} {}\n", f->follow ? "tail -f" : "cat", *path);
      return {};
    }
    StopToken stop;
    SignalStop signals(stop);
    return writeLog(*c, f->component, f->follow, stop, std::cout);
  });

  auto* exp = app.add_subcommand("export", "Exports one of [logs]")->require_subcommand(1);
  auto* expLogs = exp->add_subcommand(
      "logs", "Copies kwok.yaml and the components' logs to <output-dir>/<cluster> (default <cluster dir>/export/logs)");
  auto dir = std::make_shared<std::string>();
  expLogs->add_option("output-dir", *dir, "where to put them");
  on(out, expLogs, [&g, dir]() -> Status {
    auto c = g.cluster();
    if (!c) return c.error();
    if (g.dryRun) {
      fmt::print("cp -r {} {} {}\n", c->path("kwok.yaml"), c->path("logs"), dir->empty() ? c->path("export/logs") : *dir);
      return {};
    }
    auto where = exportLogs(*c, *dir);
    if (!where) return where.error();
    g.ui().note("Exported logs to " + *where);
    return {};
  });
}

void addKubectl(CLI::App& app, const Globals& g, Commands& out) {
  auto* kubectl = app.add_subcommand("kubectl", "Runs kubectl with the cluster's admin kubeconfig");
  kubectl->prefix_command();
  kubectl->fallthrough(false);  // everything after "kubectl" belongs to kubectl
  on(out, kubectl, [&g, kubectl]() -> Status {
    auto c = g.cluster();
    if (!c) return c.error();
    std::string bin = kubectlBinary();
    std::vector<std::string> args{bin, "--kubeconfig=" + c->path("kubeconfig.yaml")};
    for (const auto& a : kubectl->remaining()) args.push_back(a);
    if (g.dryRun) {
      fmt::print("{}\n", shellQuote(args));
      return {};
    }
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    ::execvp(bin.c_str(), cargs.data());
    return Error::internal(fmt::format("cannot run {}: {}", bin, std::strerror(errno)));
  });
}

void addScale(CLI::App& app, const Globals& g, Commands& out) {
  auto* cmd = app.add_subcommand("scale", "Scales nodes or pods made by kwokctl to a number of replicas");
  auto o = std::make_shared<ScaleOptions>();
  cmd->add_option("kind", o->kind, "node or pod")->required();
  cmd->add_option("prefix", o->name, "name prefix (default: the kind)");
  cmd->add_option("--replicas", o->replicas, "number of objects")->capture_default_str();
  cmd->add_option("--param", o->params, "parameter assignment '.path=<JSON value>' (repeatable)");
  cmd->add_option("-n,--namespace", o->ns, "namespace for pods");
  cmd->add_option("--serial-length", o->serialLength, "digits in the serial number")->capture_default_str();
  on(out, cmd, [&g, o]() -> Status {
    auto c = g.cluster();
    if (!c) return c.error();
    std::string what = o->name.empty() ? o->kind : o->name;
    if (g.dryRun) {
      fmt::print("# scale {} to {} replicas\n", what, o->replicas);
      return {};
    }
    auto cfg = c->adminConfig();
    if (!cfg) return cfg.error();
    auto client = client::RestClient::create(*cfg);
    if (!client) return client.error();
    auto r = scale(**client, *o);
    if (!r) return r.error();
    g.ui().note(fmt::format("Scaled {} to {} ({} created, {} deleted)", what, counted(o->replicas, "replica"),
                            r->created, r->deleted));
    return {};
  });
}

void addPortForward(CLI::App& app, const Globals& g, Commands& out) {
  auto* cmd = app.add_subcommand(
      "port-forward", "Forwards a local port on 127.0.0.1 to a component's port until interrupted");
  struct Flags {
    std::string component, spec;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("component", f->component, "kwok-apiserver or kwok-controller")->required();
  cmd->add_option("ports", f->spec, "[LOCAL:]REMOTE, REMOTE a port name (https, http) or number; LOCAL 0: any")
      ->required();
  on(out, cmd, [&g, f]() -> Status {
    auto c = g.cluster();
    if (!c) return c.error();
    const Component* comp = c->config().component(f->component);
    if (!comp) return Error::notFound(fmt::format("cluster \"{}\" has no component \"{}\"", g.name, f->component));
    auto spec = parseForward(*comp, f->spec);
    if (!spec) return spec.error();
    std::string host = connectHost(c->config().options.bindAddress);
    if (g.dryRun) {
      fmt::print("socat TCP-LISTEN:{},bind=127.0.0.1,fork TCP:{}:{}\n", spec->localPort, host, spec->remotePort);
      return {};
    }
    StopToken stop;
    SignalStop signals(stop);
    return forwardPort(host, *spec, stop, [&](int local) {
      fmt::print("Forwarding from 127.0.0.1:{} -> {}:{}\n", local, comp->name, spec->remotePort);
      std::fflush(stdout);
    });
  });
}

// The merged configuration, as documents.
Result<std::string> mergedConfig(const std::vector<std::string>& files) {
  Configuration c;
  for (const auto& f : files)
    if (auto st = applyConfigFile(c, f); !st) return st.error();
  json::object kwokctl{{"apiVersion", "config.kwok.x-k8s.io/v1alpha1"},
                       {"kind", "KwokctlConfiguration"},
                       {"options", optionsToJson(c.options)}};
  if (!c.extraArgs.empty()) {
    json::array patches;
    for (const auto& a : c.extraArgs)
      patches.push_back(json::object{{"name", a.component},
                                     {"extraArgs", json::array{json::object{{"key", a.key}, {"value", a.value}}}}});
    kwokctl["componentsPatches"] = std::move(patches);
  }
  std::string out = "---\n" + jsonToYaml(kwokctl);
  for (const auto& d : c.kwokDocuments) out += "---\n" + jsonToYaml(d);
  return out;
}

void addConfig(CLI::App& app, const Globals& g, Commands& out) {
  auto* config = app.add_subcommand("config", "Manages config [convert, reset, tidy, view]")->require_subcommand(1);
  auto files = [&g] {
    std::vector<std::string> f = g.configs;
    std::error_code ec;
    if (f.empty() && std::filesystem::exists(defaultConfigPath(), ec)) f.push_back(defaultConfigPath());
    return f;
  };
  auto* view = config->add_subcommand(
      "view", "Displays the default config file (with --config: those files merged), every option filled in");
  on(out, view, [files]() -> Status {
    auto text = mergedConfig(files());
    if (!text) return text.error();
    fmt::print("{}", *text);
    return {};
  });
  auto* tidy = config->add_subcommand(
      "tidy", "Rewrites the default config file tidily; with --config, merges those files into it");
  on(out, tidy, [&g, files]() -> Status {
    auto f = files();
    std::error_code ec;
    if (!g.configs.empty() && std::filesystem::exists(defaultConfigPath(), ec)) f.insert(f.begin(), defaultConfigPath());
    auto text = mergedConfig(f);
    if (!text) return text.error();
    if (g.dryRun) {
      fmt::print("# write {}\n", defaultConfigPath());
      return {};
    }
    std::filesystem::create_directories(std::filesystem::path(defaultConfigPath()).parent_path(), ec);
    return writeFileAtomic(defaultConfigPath(), *text);
  });
  auto* reset = config->add_subcommand("reset", "Removes the default config file");
  on(out, reset, [&g]() -> Status {
    if (g.dryRun) {
      fmt::print("rm -f {}\n", defaultConfigPath());
      return {};
    }
    std::error_code ec;
    std::filesystem::remove(defaultConfigPath(), ec);
    if (ec) return Error::internal(fmt::format("cannot remove {}: {}", defaultConfigPath(), ec.message()));
    return {};
  });
  auto* convert = config->add_subcommand(
      "convert", "Checks config files and prints them in the latest version (v1alpha1, which they already are)");
  struct ConvertFlags {
    std::vector<std::string> files;
    bool write = false;
  };
  auto cf = std::make_shared<ConvertFlags>();
  convert->add_option("file", cf->files, "config files")->required();
  convert->add_flag("-w,--write", cf->write, "write the result back to each file");
  on(out, convert, [cf]() -> Status {
    for (const auto& f : cf->files) {
      auto text = mergedConfig({f});
      if (!text) return text.error();
      if (cf->write) {
        if (auto st = writeFileAtomic(f, *text); !st) return st;
      } else {
        fmt::print("{}", *text);
      }
    }
    return {};
  });
}

// The documents of the files named, directories read one level deep (their
// .yaml and .yml files, in name order).
Result<std::vector<json::value>> readDocuments(const std::vector<std::string>& paths) {
  std::vector<json::value> docs;
  for (const auto& path : paths) {
    std::vector<fs::path> files;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      for (const auto& e : fs::directory_iterator(path, ec))
        if (e.path().extension() == ".yaml" || e.path().extension() == ".yml") files.push_back(e.path());
      std::sort(files.begin(), files.end());
    } else {
      files.emplace_back(path);
    }
    for (const auto& file : files) {
      auto text = readFile(file.string());
      if (!text) return text.error();
      auto parsed = yamlDocumentsToJson(*text);
      if (!parsed) return Error::badRequest(fmt::format("{}: {}", file.string(), parsed.error().message));
      for (auto& d : *parsed)
        if (!d.is_null()) docs.push_back(std::move(d));
    }
  }
  return docs;
}

void addStage(CLI::App& app, const Globals& g, Commands& out) {
  auto* stage = app.add_subcommand("stage", "Works with Stages without a cluster [evaluate]")->require_subcommand(1);
  auto* cmd = stage->add_subcommand(
      "evaluate", "Prints the stages (from -c files or directories) an object matches, with their delay, weight and "
                  "rendered steps, in the shape of upstream's stage testdata");
  struct Flags {
    std::string object;
    bool placeholders = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("-f,--file", f->object, "the object(s) to evaluate (YAML)")->required();
  cmd->add_flag("--placeholders", f->placeholders,
                "print template functions as placeholders (<Now>, <NodeIPWith(...)>) instead of values");
  on(out, cmd, [&g, f]() -> Status {
    if (g.configs.empty()) return Error::badRequest("stage evaluate needs the stages: -c FILE|DIR (repeatable)");
    auto docs = readDocuments(g.configs);
    if (!docs) return docs.error();
    auto stages = stage::compileStages(*docs);
    if (!stages) return stages.error();
    if (stages->empty()) return Error::badRequest("no Stage documents in " + fmt::format("{}", fmt::join(g.configs, ", ")));
    auto objects = readDocuments({f->object});
    if (!objects) return objects.error();
    if (objects->empty()) return Error::badRequest(f->object + ": no object");
    stage::EvaluateOptions options;
    options.placeholders = f->placeholders;
    bool first = true;
    for (const auto& o : *objects) {
      auto r = stage::evaluate(*stages, o, options);
      if (!r) return r.error();
      fmt::print("{}{}", first ? "" : "---\n", jsonToYaml(*r));
      first = false;
    }
    return {};
  });
}

void addCompletion(CLI::App& app, Commands& out) {
  auto* cmd = app.add_subcommand("completion", "Prints a shell completion script: source <(kwokctl completion bash)");
  auto shell = std::make_shared<std::string>();
  cmd->add_option("shell", *shell, "bash or zsh")->required();
  on(out, cmd, [&app, shell]() -> Status {
    auto script = completionScript(app, *shell);
    if (!script) return script.error();
    fmt::print("{}", *script);
    return {};
  });
}

}  // namespace

void addToolCommands(CLI::App& app, const Globals& g, Commands& out) {
  addLogs(app, g, out);
  addKubectl(app, g, out);
  addScale(app, g, out);
  addPortForward(app, g, out);
  addConfig(app, g, out);
  addStage(app, g, out);
  addCompletion(app, out);
}

}  // namespace kwok::kwokctl::cli
