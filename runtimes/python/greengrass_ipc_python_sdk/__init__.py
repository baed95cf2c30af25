"""nanolambda's greengrass_ipc_python_sdk: the HTTP client of the Greengrass V1 IPC
(greengrass-v1.md section 2.2) that the public greengrasssdk and our runtime use."""
