-- CreateTable
CREATE TABLE "RateLimitWindow" (
    "credential" TEXT NOT NULL,
    "windowStart" BIGINT NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "RateLimitWindow_pkey" PRIMARY KEY ("credential","windowStart")
);
