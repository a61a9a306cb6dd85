// Server-side printing: the Table rows kubectl shows for `get`, with the
// same columns and cell formats as kube-apiserver's printers.
#pragma once

#include <string>

#include "api/catalog.h"
#include "core/clock.h"
#include "core/json.h"

namespace kwok::apiserver {

// The columnDefinitions of `r`'s table (for custom resources, from the
// CRD's additionalPrinterColumns).
json::array tableColumns(const api::Resource& r);
// The cells of one object's row.
json::array tableCells(const api::Resource& r, const json::object& obj, SystemTime now);

// "5m", "3h12m", "2d": kube's human-readable durations (duration.HumanDuration).
std::string humanDuration(std::chrono::seconds d);

}  // namespace kwok::apiserver
