// The fake certifying board (deploy/devstack/src/devstack/fake_board.py): GET /_reports lists what it received.
import { request } from "@playwright/test";
import { env } from "./env";

export interface ReceivedReport {
  report: { Learner: { BoardCode: string; BoardID: string; FirstName: string; LastName: string }; PermissionToShare: boolean };
  statusCode: number;
  answer: { status: string; reason?: string };
}

export async function boardReports(): Promise<ReceivedReport[]> {
  const board = await request.newContext({ baseURL: env.boardUrl });
  try {
    return (await (await board.get("/_reports")).json()) as ReceivedReport[];
  } finally {
    await board.dispose();
  }
}
