/* placeholder: the frame crafter is being written */
