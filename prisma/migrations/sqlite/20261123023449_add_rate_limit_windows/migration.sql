-- CreateTable
CREATE TABLE "RateLimitWindow" (
    "credential" TEXT NOT NULL,
    "windowStart" BIGINT NOT NULL,
    "count" INTEGER NOT NULL,

    PRIMARY KEY ("credential", "windowStart")
);
