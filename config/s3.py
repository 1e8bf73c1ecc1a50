"""How documents go to S3: multipart uploads with a bounded amount of memory."""

from boto3.s3.transfer import TransferConfig

PART_BYTES = 8 * 1024 * 1024


def bounded_transfer_config() -> TransferConfig:
    """Upload in 8 MB parts, two at a time, with at most three parts read into memory.

    s3transfer reads a seekable file's parts into memory ahead of sending them, up to
    ``max_in_memory_upload_chunks`` (10 by default: 80 MB at this part size); a 256 MB
    document then grew the process by ~150 MB (make bench: upload_rss_growth_mb).
    """
    config = TransferConfig(multipart_chunksize=PART_BYTES, max_concurrency=2)
    config.max_in_memory_upload_chunks = 3
    return config
