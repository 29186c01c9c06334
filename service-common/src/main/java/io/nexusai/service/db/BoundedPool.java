package io.nexusai.service.db;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.pgclient.PgPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PrepareOptions;
import io.vertx.sqlclient.PreparedQuery;
import io.vertx.sqlclient.Query;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Collector;

/**
 * The pool every PostgreSQL user of a service goes through — repositories with the reactive client, Hibernate
 * Reactive, the readiness check — with every wait bounded: getting a connection (connecting included) by the pool's
 * own connection timeout and wait-queue size ({@link BoundedPoolCreator} sets both), and every round trip on it by
 * {@link BoundedConnection}. A statement run on the pool itself takes a connection, runs on it bounded, and gives it
 * back; the transaction and connection helpers ({@code withTransaction}, {@code withConnection}) are the interface's
 * own, built on {@link #getConnection()}.
 */
final class BoundedPool implements PgPool {
    private final Pool delegate;
    private final Bounds bounds;

    BoundedPool(Pool delegate, Bounds bounds) {
        this.delegate = delegate;
        this.bounds = bounds;
    }

    @Override
    public Future<SqlConnection> getConnection() {
        return delegate.getConnection().transform(ar -> ar.succeeded()
                ? Future.succeededFuture(new BoundedConnection(ar.result(), bounds))
                : Future.failedFuture(bounds.acquisitionFailed(ar.cause())));
    }

    @Override
    public void getConnection(Handler<AsyncResult<SqlConnection>> handler) {
        getConnection().onComplete(handler);
    }

    @Override
    public Query<RowSet<Row>> query(String sql) {
        return new PoolQuery<>(client -> client.query(sql));
    }

    @Override
    public PreparedQuery<RowSet<Row>> preparedQuery(String sql) {
        return new PoolPreparedQuery<>(client -> client.preparedQuery(sql));
    }

    @Override
    public PreparedQuery<RowSet<Row>> preparedQuery(String sql, PrepareOptions options) {
        return new PoolPreparedQuery<>(client -> client.preparedQuery(sql, options));
    }

    @Override
    public Future<Void> close() {
        return delegate.close();
    }

    @Override
    public void close(Handler<AsyncResult<Void>> handler) {
        delegate.close(handler);
    }

    @Override
    public PgPool connectHandler(Handler<SqlConnection> handler) {
        delegate.connectHandler(handler);
        return this;
    }

    @Override
    public PgPool connectionProvider(Function<Context, Future<SqlConnection>> provider) {
        delegate.connectionProvider(provider);
        return this;
    }

    @Override
    public int size() {
        return delegate.size();
    }

    /** Takes a connection, runs {@code statement} on it (bounded), gives it back. */
    private <T> Future<T> onConnection(Function<SqlConnection, Future<T>> statement) {
        return getConnection().compose(connection -> statement.apply(connection).onComplete(ar -> connection.close()));
    }

    /** A statement on the pool: made anew on the connection it gets, with the mapping or collector asked for. */
    private final class PoolQuery<T> implements Query<T> {
        private final Function<SqlClient, Query<T>> make;

        PoolQuery(Function<SqlClient, Query<T>> make) {
            this.make = make;
        }

        @Override
        public Future<T> execute() {
            return onConnection(c -> make.apply(c).execute());
        }

        @Override
        public void execute(Handler<AsyncResult<T>> handler) {
            execute().onComplete(handler);
        }

        @Override
        public <R> Query<SqlResult<R>> collecting(Collector<Row, ?, R> collector) {
            return new PoolQuery<>(c -> make.apply(c).collecting(collector));
        }

        @Override
        public <U> Query<RowSet<U>> mapping(Function<Row, U> mapper) {
            return new PoolQuery<>(c -> make.apply(c).mapping(mapper));
        }
    }

    private final class PoolPreparedQuery<T> implements PreparedQuery<T> {
        private final Function<SqlClient, PreparedQuery<T>> make;

        PoolPreparedQuery(Function<SqlClient, PreparedQuery<T>> make) {
            this.make = make;
        }

        @Override
        public Future<T> execute() {
            return onConnection(c -> make.apply(c).execute());
        }

        @Override
        public void execute(Handler<AsyncResult<T>> handler) {
            execute().onComplete(handler);
        }

        @Override
        public Future<T> execute(Tuple tuple) {
            return onConnection(c -> make.apply(c).execute(tuple));
        }

        @Override
        public void execute(Tuple tuple, Handler<AsyncResult<T>> handler) {
            execute(tuple).onComplete(handler);
        }

        @Override
        public Future<T> executeBatch(List<Tuple> batch) {
            return onConnection(c -> make.apply(c).executeBatch(batch));
        }

        @Override
        public void executeBatch(List<Tuple> batch, Handler<AsyncResult<T>> handler) {
            executeBatch(batch).onComplete(handler);
        }

        @Override
        public <R> PreparedQuery<SqlResult<R>> collecting(Collector<Row, ?, R> collector) {
            return new PoolPreparedQuery<>(c -> make.apply(c).collecting(collector));
        }

        @Override
        public <U> PreparedQuery<RowSet<U>> mapping(Function<Row, U> mapper) {
            return new PoolPreparedQuery<>(c -> make.apply(c).mapping(mapper));
        }
    }
}
