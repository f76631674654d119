// Where bulk warm jobs are kept when several nodes share them: each row says which node
// works on it and when that node last said so, so a job whose node died is taken over.

/** `stopped`: the only node shut down first (in memory). `failed`: it could not go on. */
export type JobState = 'running' | 'done' | 'stopped' | 'failed';

export interface JobFailure {
  path: string;
  error: { code: string; message: string };
}

/** A job's progress, as the owning node writes it after each image. */
export interface JobProgress {
  readonly state: JobState;
  readonly done: number;
  readonly created: number;
  readonly failed: readonly JobFailure[];
  /** Every path before this index is finished: a node taking the job over starts here. */
  readonly resumeAt: number;
  readonly finishedAt: string | null;
}

export interface StoredJob extends JobProgress {
  readonly id: string;
  readonly keySet: string;
  readonly paths: readonly string[];
  readonly total: number;
  readonly createdAt: string;
}

export interface JobTable {
  /** Records a new job owned by this node. */
  insert(job: StoredJob): Promise<void>;
  /** Writes progress (and a heartbeat); false when another node has taken the job over. */
  update(id: string, progress: JobProgress): Promise<boolean>;
  get(id: string): Promise<StoredJob | undefined>;
  /** Tells the other nodes this node is still working on these jobs. */
  beat(ids: readonly string[]): Promise<void>;
  /** Hands running jobs back at once (a graceful shutdown): any node may take them over. */
  release(ids: readonly string[]): Promise<void>;
  /** Takes over running jobs whose owner has not beaten for `staleMs`. */
  adopt(staleMs: number): Promise<StoredJob[]>;
}
