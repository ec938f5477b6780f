export { CertificateDetail } from "./CertificateDetail";
export { Certificates } from "./Certificates";
export { Transcript } from "./Transcript";
export { Verify } from "./Verify";
