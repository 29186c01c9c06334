package io.nexusai.service.db;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Cursor;
import io.vertx.sqlclient.PrepareOptions;
import io.vertx.sqlclient.PreparedQuery;
import io.vertx.sqlclient.PreparedStatement;
import io.vertx.sqlclient.Query;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.RowStream;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import io.vertx.sqlclient.impl.SocketConnectionBase;
import io.vertx.sqlclient.impl.SqlConnectionBase;
import io.vertx.sqlclient.spi.DatabaseMetadata;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collector;

/**
 * A pooled connection whose every round trip (statement, batch, begin, commit, rollback, prepare, release) fails
 * with {@link DatabaseUnavailableException} when PostgreSQL has not answered it within the bound.
 *
 * <p>A connection whose round trip timed out is <em>abandoned</em>: its statement is cancelled on the server (a
 * PostgreSQL cancel request, so a statement that was only slow stops using the server), its socket is closed, so the
 * pool drops it instead of handing a connection with an unanswered statement to the next request (which would queue
 * behind it and hang too), and any further use of it fails at once. Releasing it to the pool waits until nothing is
 * pending on it any more. Cursors and row streams of a prepared statement are passed through unbounded (NexusAI
 * uses none).
 */
final class BoundedConnection implements SqlConnection {
    private static final Logger LOG = Logger.getLogger("io.nexusai.service.db");
    private static final AtomicBoolean WARNED_CLOSE = new AtomicBoolean();

    private final SqlConnection delegate;
    private final Bounds bounds;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile boolean abandoned;
    private volatile boolean releaseWanted;

    BoundedConnection(SqlConnection delegate, Bounds bounds) {
        this.delegate = delegate;
        this.bounds = bounds;
    }

    /**
     * Runs one round trip with the bound. Whichever comes first — the answer or the end of the bound — settles the
     * round trip; the other is ignored. On the bound, the connection is marked abandoned before the caller hears of
     * the failure, so a caller that releases the connection at once cannot put it back into the pool as it is.
     */
    <T> Future<T> bound(Supplier<Future<T>> roundTrip) {
        if (abandoned) {
            return Future.failedFuture(bounds.abandoned());
        }
        pending.incrementAndGet();
        Promise<T> promise = Promise.promise();
        AtomicBoolean decided = new AtomicBoolean();
        long timer = bounds.vertx().setTimer(bounds.timeoutMillis(), id -> {
            if (decided.compareAndSet(false, true)) {
                abandoned = true;
                promise.fail(bounds.timedOut());
                abandon();
            }
        });
        Future<T> answer;
        try {
            answer = roundTrip.get();
        } catch (RuntimeException e) {
            bounds.vertx().cancelTimer(timer);
            roundTripEnded();
            return Future.failedFuture(e);
        }
        answer.onComplete(ar -> {
            bounds.vertx().cancelTimer(timer);
            if (decided.compareAndSet(false, true)) {
                if (ar.succeeded()) {
                    bounds.answered();
                    promise.complete(ar.result());
                } else {
                    promise.fail(bounds.statementFailed(ar.cause()));
                }
            }
            roundTripEnded();
        });
        return promise.future();
    }

    /** Gives up this connection after a round trip that did not answer in time. */
    private void abandon() {
        if (delegate instanceof PgConnection pg) {
            // frees the server of a statement that was merely slow; a stopped server reads it when it resumes
            pg.cancelRequest().onFailure(e -> LOG.debugf("cancel request not delivered: %s", e.getMessage()));
        }
        if (!closeSocket(delegate) && WARNED_CLOSE.compareAndSet(false, true)) {
            LOG.warn("cannot close the socket of an abandoned PostgreSQL connection (Vert.x internals changed?): it goes back to"
                    + " the pool only once its statement has answered");
        }
    }

    /**
     * Closes the socket under a pooled connection, so the pool evicts it (its pending round trips fail as closed).
     * Vert.x 4.5 has no public way to evict a connection from its pool: this is the one place that reaches inside.
     */
    static boolean closeSocket(SqlConnection connection) {
        if (connection instanceof SqlConnectionBase<?> base) {
            io.vertx.sqlclient.impl.Connection c = base.unwrap();
            for (int depth = 0; c != null && depth < 4; depth++) {
                if (c instanceof SocketConnectionBase socket) {
                    socket.socket().close();
                    return true;
                }
                io.vertx.sqlclient.impl.Connection inner = c.unwrap();
                if (inner == c) {
                    break;
                }
                c = inner;
            }
        }
        return false;
    }

    private void roundTripEnded() {
        if (pending.decrementAndGet() == 0 && releaseWanted) {
            release();
        }
    }

    private void release() {
        if (released.compareAndSet(false, true)) {
            delegate.close().onFailure(e -> LOG.debugf("releasing an abandoned connection: %s", e.getMessage()));
        }
    }

    // ---- SqlConnection ----

    @Override
    public Future<Void> close() {
        if (abandoned) { // back to the pool (which has evicted it if its socket was closed) once nothing is pending on it
            releaseWanted = true;
            if (pending.get() == 0) {
                release();
            }
            return Future.succeededFuture();
        }
        return bound(delegate::close);
    }

    @Override
    public void close(Handler<AsyncResult<Void>> handler) {
        close().onComplete(handler);
    }

    @Override
    public Query<RowSet<Row>> query(String sql) {
        return new BoundedQuery<>(delegate.query(sql));
    }

    @Override
    public PreparedQuery<RowSet<Row>> preparedQuery(String sql) {
        return new BoundedPreparedQuery<>(delegate.preparedQuery(sql));
    }

    @Override
    public PreparedQuery<RowSet<Row>> preparedQuery(String sql, PrepareOptions options) {
        return new BoundedPreparedQuery<>(delegate.preparedQuery(sql, options));
    }

    @Override
    public Future<PreparedStatement> prepare(String sql) {
        return bound(() -> delegate.prepare(sql)).map(BoundedStatement::new);
    }

    @Override
    public SqlConnection prepare(String sql, Handler<AsyncResult<PreparedStatement>> handler) {
        prepare(sql).onComplete(handler);
        return this;
    }

    @Override
    public Future<PreparedStatement> prepare(String sql, PrepareOptions options) {
        return bound(() -> delegate.prepare(sql, options)).map(BoundedStatement::new);
    }

    @Override
    public SqlConnection prepare(String sql, PrepareOptions options, Handler<AsyncResult<PreparedStatement>> handler) {
        prepare(sql, options).onComplete(handler);
        return this;
    }

    @Override
    public Future<Transaction> begin() {
        return bound(delegate::begin).map(BoundedTransaction::new);
    }

    @Override
    public void begin(Handler<AsyncResult<Transaction>> handler) {
        begin().onComplete(handler);
    }

    @Override
    public Transaction transaction() {
        Transaction tx = delegate.transaction();
        return tx == null ? null : new BoundedTransaction(tx);
    }

    @Override
    public SqlConnection exceptionHandler(Handler<Throwable> handler) {
        delegate.exceptionHandler(handler);
        return this;
    }

    @Override
    public SqlConnection closeHandler(Handler<Void> handler) {
        delegate.closeHandler(handler);
        return this;
    }

    @Override
    public boolean isSSL() {
        return delegate.isSSL();
    }

    @Override
    public DatabaseMetadata databaseMetadata() {
        return delegate.databaseMetadata();
    }

    // ---- bounded wrappers of what a connection hands out ----

    private class BoundedQuery<T> implements Query<T> {
        private final Query<T> query;

        BoundedQuery(Query<T> query) {
            this.query = query;
        }

        @Override
        public Future<T> execute() {
            return bound(query::execute);
        }

        @Override
        public void execute(Handler<AsyncResult<T>> handler) {
            execute().onComplete(handler);
        }

        @Override
        public <R> Query<SqlResult<R>> collecting(Collector<Row, ?, R> collector) {
            return new BoundedQuery<>(query.collecting(collector));
        }

        @Override
        public <U> Query<RowSet<U>> mapping(Function<Row, U> mapper) {
            return new BoundedQuery<>(query.mapping(mapper));
        }
    }

    private class BoundedPreparedQuery<T> implements PreparedQuery<T> {
        private final PreparedQuery<T> query;

        BoundedPreparedQuery(PreparedQuery<T> query) {
            this.query = query;
        }

        @Override
        public Future<T> execute() {
            return bound(query::execute);
        }

        @Override
        public void execute(Handler<AsyncResult<T>> handler) {
            execute().onComplete(handler);
        }

        @Override
        public Future<T> execute(Tuple tuple) {
            return bound(() -> query.execute(tuple));
        }

        @Override
        public void execute(Tuple tuple, Handler<AsyncResult<T>> handler) {
            execute(tuple).onComplete(handler);
        }

        @Override
        public Future<T> executeBatch(List<Tuple> batch) {
            return bound(() -> query.executeBatch(batch));
        }

        @Override
        public void executeBatch(List<Tuple> batch, Handler<AsyncResult<T>> handler) {
            executeBatch(batch).onComplete(handler);
        }

        @Override
        public <R> PreparedQuery<SqlResult<R>> collecting(Collector<Row, ?, R> collector) {
            return new BoundedPreparedQuery<>(query.collecting(collector));
        }

        @Override
        public <U> PreparedQuery<RowSet<U>> mapping(Function<Row, U> mapper) {
            return new BoundedPreparedQuery<>(query.mapping(mapper));
        }
    }

    private class BoundedTransaction implements Transaction {
        private final Transaction tx;

        BoundedTransaction(Transaction tx) {
            this.tx = tx;
        }

        @Override
        public Future<Void> commit() {
            return bound(tx::commit);
        }

        @Override
        public void commit(Handler<AsyncResult<Void>> handler) {
            commit().onComplete(handler);
        }

        /**
         * On an abandoned connection there is nothing left to roll back here: its socket is closed, and PostgreSQL
         * rolls back the transaction of a connection that is gone. Succeeds then, so callers (Hibernate Reactive) do
         * not report a failed rollback on top of the outage.
         */
        @Override
        public Future<Void> rollback() {
            if (abandoned) {
                return Future.succeededFuture();
            }
            return bound(tx::rollback);
        }

        @Override
        public void rollback(Handler<AsyncResult<Void>> handler) {
            rollback().onComplete(handler);
        }

        @Override
        public Future<Void> completion() {
            return tx.completion();
        }

        @Override
        public void completion(Handler<AsyncResult<Void>> handler) {
            tx.completion(handler);
        }
    }

    private class BoundedStatement implements PreparedStatement {
        private final PreparedStatement statement;

        BoundedStatement(PreparedStatement statement) {
            this.statement = statement;
        }

        @Override
        public PreparedQuery<RowSet<Row>> query() {
            return new BoundedPreparedQuery<>(statement.query());
        }

        @Override
        public Cursor cursor(Tuple args) {
            return statement.cursor(args);
        }

        @Override
        public RowStream<Row> createStream(int fetch, Tuple args) {
            return statement.createStream(fetch, args);
        }

        @Override
        public Future<Void> close() {
            return bound(statement::close);
        }

        @Override
        public void close(Handler<AsyncResult<Void>> handler) {
            close().onComplete(handler);
        }
    }
}
