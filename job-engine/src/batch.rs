//! Groups requests from concurrent callers into one database call: the
//! claims and outcomes of a worker, the standalone enqueues of an API
//! process.

use std::{future::Future, sync::Arc};

use tokio::sync::{mpsc, oneshot, Semaphore};

type Reply<T> = oneshot::Sender<Result<T, Arc<sqlx::Error>>>;

/// Groups requests from concurrent callers into one database call.
pub(crate) struct Batcher<Req, Resp> {
    tx: mpsc::Sender<(Req, Reply<Resp>)>,
}

impl<Req: Send + 'static, Resp: Send + 'static> Batcher<Req, Resp> {
    /// `run` gets a batch and answers in the same order. Up to `parallel`
    /// batches are in flight at once.
    pub(crate) fn spawn<F, Fut>(max_batch: usize, parallel: usize, run: F) -> Self
    where
        F: Fn(Vec<Req>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = sqlx::Result<Vec<Resp>>> + Send + 'static,
    {
        let (tx, mut rx) = mpsc::channel::<(Req, Reply<Resp>)>(max_batch * 4);
        let run = Arc::new(run);
        let permits = Arc::new(Semaphore::new(parallel));
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let permit = permits
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("semaphore open");
                let mut batch = vec![first];
                while batch.len() < max_batch {
                    match rx.try_recv() {
                        Ok(item) => batch.push(item),
                        Err(_) => break,
                    }
                }
                let run = run.clone();
                tokio::spawn(async move {
                    let (reqs, replies): (Vec<Req>, Vec<Reply<Resp>>) = batch.into_iter().unzip();
                    match run(reqs).await {
                        Ok(resps) => {
                            for (reply, resp) in replies.into_iter().zip(resps) {
                                let _ = reply.send(Ok(resp));
                            }
                        }
                        Err(e) => {
                            let e = Arc::new(e);
                            for reply in replies {
                                let _ = reply.send(Err(e.clone()));
                            }
                        }
                    }
                    drop(permit);
                });
            }
        });
        Self { tx }
    }

    pub(crate) async fn call(&self, req: Req) -> Result<Resp, Arc<sqlx::Error>> {
        let (reply, rx) = oneshot::channel();
        if self.tx.send((req, reply)).await.is_err() {
            return Err(Arc::new(sqlx::Error::PoolClosed));
        }
        rx.await.unwrap_or(Err(Arc::new(sqlx::Error::PoolClosed)))
    }
}
