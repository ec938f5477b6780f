import { useQuery } from "@tanstack/react-query";
import { getOrganisation } from "../api/extra";

/** The organisation's name and support contact (configuration, from identity); cached for the visit. */
export function useOrganisation() {
  return useQuery({
    queryKey: ["organisation"],
    queryFn: getOrganisation,
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: Number.POSITIVE_INFINITY,
    retry: 1,
  });
}
