import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api";
import { awaitingCertificates } from "../../lib/pending";

export function useCertificates() {
  return useQuery({
    queryKey: ["certificates"],
    queryFn: () => unwrap(api.certificates.GET("/certificates/mine")),
    // A certificate is issued a moment after its claim: ask again while one of this tab's claims has none yet.
    refetchInterval: (query) => (awaitingCertificates(query.state.data).length ? 2000 : false),
  });
}

export function downloadCertificate(id: string) {
  return api.certificates.GET("/certificates/{certificate_id}/pdf", {
    params: { path: { certificate_id: id } },
    parseAs: "stream",
  });
}

export function downloadBundle(ids: string[]) {
  return api.certificates.POST("/certificates/bundle", { body: { ids }, parseAs: "stream" });
}
